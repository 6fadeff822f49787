/** One entry of a protected resource's `conditions`, in oxd's `uma_rs_protect` shape. */
import type { Node } from 'yaml';
import type { UmaCondition } from '../oxd/types.js';
import { readMethods } from './validate-methods.js';
import type { MethodOccurrence } from './validate-methods.js';
import { readScopeExpression } from './validate-scope-expression.js';
import { readMap, readSeq, readString, report } from './yaml-reader.js';
import type { Entry, ReadContext } from './yaml-reader.js';

const CONDITION_KEYS = ['httpMethods', 'scopes', 'ticketScopes', 'scope_expression'] as const;

export interface ReadCondition {
  readonly condition: UmaCondition;
  readonly methods: readonly MethodOccurrence[];
}

function readScopes(ctx: ReadContext, entry: Entry): string[] | null {
  const items = readSeq(ctx, entry, 'scope strings');
  if (items === null) return null;
  const scopes = items.map((item) => readString(ctx, item.node, entry.keyNode, item.path, 'a scope'));
  return scopes.every((s) => s !== null) ? scopes : null;
}

export function readCondition(ctx: ReadContext, node: Node, path: string): ReadCondition | null {
  const fields = readMap(ctx, node, node, path, CONDITION_KEYS);
  if (fields === null) return null;
  const methodsEntry = fields.get('httpMethods');
  const scopesEntry = fields.get('scopes');
  const ticketEntry = fields.get('ticketScopes');
  const expressionEntry = fields.get('scope_expression');

  if (methodsEntry === undefined) {
    report(ctx, node, `${path}.httpMethods`, 'missing_key', 'a condition needs "httpMethods": the upper-case methods it covers, e.g. [GET, HEAD]');
  }
  if (scopesEntry === undefined && expressionEntry === undefined) {
    report(ctx, node, path, 'condition_no_scopes', 'a condition needs "scopes" or "scope_expression" (or both)');
  }
  const methods = methodsEntry === undefined ? null : readMethods(ctx, methodsEntry);
  const scopes = scopesEntry === undefined ? undefined : readScopes(ctx, scopesEntry);
  const ticketScopes = ticketEntry === undefined ? undefined : readScopes(ctx, ticketEntry);
  const expression = expressionEntry === undefined ? undefined : readScopeExpression(ctx, expressionEntry);
  if (methods === null || scopes === null || ticketScopes === null || expression === null) return null;
  if (scopes === undefined && expression === undefined) return null;

  // Only the keys written are sent, in oxd's field names.
  const condition: UmaCondition = {
    httpMethods: methods.map((m) => m.method),
    ...(scopes === undefined ? {} : { scopes }),
    ...(ticketScopes === undefined ? {} : { ticketScopes }),
    ...(expression === undefined ? {} : { scope_expression: expression }),
  };
  return { condition, methods };
}
