/**
 * `scope_expression: {rule, data}` — a JsonLogic rule over the scope strings in `data`, where
 * `{var: i}` stands for `data[i]`. oxd 4.x evaluates the rule over `data` at protect time and
 * refuses it unless the result is one of the data strings; we check the same before oxd sees it.
 */
import jsonLogic from 'json-logic-js';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { UmaCondition } from '../oxd/types.js';
import { childPath, itemPath, readMap, readSeq, readString, report, resolve, toPlain } from './yaml-reader.js';
import type { Entry, ReadContext } from './yaml-reader.js';

type ScopeExpression = NonNullable<UmaCondition['scope_expression']>;

// The JsonLogic operators (jsonlogic.com/operations.html). `log` and json-logic-js's `method`
// are left out: the first has side effects, the second calls arbitrary methods.
const OPERATORS = [
  'var', 'missing', 'missing_some', 'if', '?:', '==', '===', '!=', '!==', '!', '!!', 'or', 'and',
  '>', '>=', '<', '<=', 'max', 'min', '+', '-', '*', '/', '%', 'map', 'reduce', 'filter', 'all',
  'none', 'some', 'merge', 'in', 'cat', 'substr',
] as const;

function checkVar(ctx: ReadContext, arg: Node | null, at: Node, path: string, dataLength: number): boolean {
  const indexNode = isSeq(arg) ? resolve(ctx, arg.items[0]) : arg;
  const indexPath = isSeq(arg) ? itemPath(path, 0) : path;
  if (!isScalar(indexNode) || typeof indexNode.value !== 'number' || !Number.isInteger(indexNode.value)) {
    report(ctx, indexNode ?? at, indexPath, 'scope_var_invalid', 'a "var" must be an index into data, e.g. {var: 0}');
    return false;
  }
  if (indexNode.value < 0 || indexNode.value >= dataLength) {
    report(ctx, indexNode, indexPath, 'scope_var_out_of_range', `{var: ${indexNode.value}} is outside data, which holds ${dataLength} scope(s): use 0..${dataLength - 1}`);
    return false;
  }
  return true;
}

/** Walks the rule's nodes: every operator must be JsonLogic's, every `var` an index into data. */
function checkRule(ctx: ReadContext, node: Node | null, path: string, dataLength: number): boolean {
  if (isSeq(node)) {
    return node.items.map((item, i) => checkRule(ctx, resolve(ctx, item), itemPath(path, i), dataLength)).every(Boolean);
  }
  if (!isMap(node)) return true;
  const [pair, ...extra] = node.items;
  const keyNode = resolve(ctx, pair?.key);
  if (pair === undefined || extra.length > 0 || !isScalar(keyNode) || typeof keyNode.value !== 'string') {
    report(ctx, node, path, 'scope_rule_invalid', 'a JsonLogic operation is a map with exactly one operator key, e.g. {or: [{var: 0}, {var: 1}]}');
    return false;
  }
  const op = keyNode.value;
  const opPath = childPath(path, op);
  if (!(OPERATORS as readonly string[]).includes(op)) {
    report(ctx, keyNode, opPath, 'scope_operator_unknown', `"${op}" is not a JsonLogic operator; allowed: ${OPERATORS.join(', ')}`);
    return false;
  }
  const arg = resolve(ctx, pair.value);
  if (op === 'var') return checkVar(ctx, arg, keyNode, opPath, dataLength);
  return checkRule(ctx, arg, opPath, dataLength);
}

function evaluates(rule: unknown, data: readonly string[]): unknown {
  try {
    return jsonLogic.apply(rule as jsonLogic.RulesLogic, [...data]);
  } catch {
    return undefined;
  }
}

/** The rule's node, or null (after reporting) when it is missing or empty. */
function readRuleNode(ctx: ReadContext, entry: Entry, ruleEntry: Entry | undefined): Node | null {
  const node = ruleEntry?.value ?? null;
  if (node !== null && !(isScalar(node) && node.value === null)) return node;
  report(ctx, ruleEntry?.keyNode ?? entry.value ?? entry.keyNode, childPath(entry.path, 'rule'), 'missing_key', 'a scope_expression needs a JsonLogic "rule", e.g. {or: [{var: 0}, {var: 1}]}');
  return null;
}

export function readScopeExpression(ctx: ReadContext, entry: Entry): ScopeExpression | null {
  const fields = readMap(ctx, entry.value, entry.keyNode, entry.path, ['rule', 'data']);
  if (fields === null) return null;
  const ruleEntry = fields.get('rule');
  const ruleNode = readRuleNode(ctx, entry, ruleEntry);
  const dataEntry = fields.get('data');
  if (dataEntry === undefined) {
    report(ctx, entry.value ?? entry.keyNode, childPath(entry.path, 'data'), 'missing_key', 'a scope_expression needs "data": the list of scopes its {var: i} refer to');
    return null;
  }
  const items = readSeq(ctx, dataEntry, 'scope strings');
  if (items === null) return null;
  const data = items.map((item) => readString(ctx, item.node, dataEntry.keyNode, item.path, 'a scope'));
  if (ruleEntry === undefined || ruleNode === null || !data.every((d) => d !== null)) return null;
  if (!checkRule(ctx, ruleNode, ruleEntry.path, data.length)) return null;

  const rule = toPlain(ctx, ruleNode);
  const result = evaluates(rule, data);
  if (typeof result !== 'string' || !data.includes(result)) {
    const gives = result === undefined ? 'nothing' : JSON.stringify(result);
    report(ctx, ruleNode, ruleEntry.path, 'scope_rule_result', `evaluated over data, the rule gives ${gives}, not one of the data scopes (oxd 4.x refuses it): combine {var: i} with and/or`);
    return null;
  }
  return { rule, data };
}
