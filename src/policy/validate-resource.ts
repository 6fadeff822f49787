/** One entry of `resources`: a protected resource (registered as written) or a public one. */
import type { Node } from 'yaml';
import type { UmaCondition, UmaResource } from '../oxd/types.js';
import { parsePattern } from './pattern.js';
import type { PolicyResource } from './types.js';
import { readCondition } from './validate-condition.js';
import { readMethods, reportRepeatedMethods } from './validate-methods.js';
import type { MethodOccurrence } from './validate-methods.js';
import { readBoolean, readInteger, readMap, readSeq, readString, report } from './yaml-reader.js';
import type { Entry, ReadContext } from './yaml-reader.js';

const RESOURCE_KEYS = ['path', 'conditions', 'public', 'httpMethods', 'iat', 'exp'] as const;

export interface ReadResource {
  readonly resource: PolicyResource;
  /** What is sent to oxd; null for a public resource. */
  readonly registration: UmaResource | null;
  readonly pathNode: Node;
  readonly yamlPath: string;
}

function readPath(ctx: ReadContext, entry: Entry | undefined, node: Node, path: string): { text: string; node: Node } | null {
  if (entry === undefined) {
    report(ctx, node, `${path}.path`, 'missing_key', 'a resource needs a "path", e.g. /photos/?');
    return null;
  }
  const text = readString(ctx, entry.value, entry.keyNode, entry.path, 'a path');
  if (text === null || entry.value === null) return null;
  const parsed = parsePattern(text);
  if (!parsed.ok) {
    for (const issue of parsed.issues) report(ctx, entry.value, entry.path, issue.code, issue.message);
    return null;
  }
  return { text, node: entry.value };
}

function readPublic(ctx: ReadContext, fields: Map<string, Entry>, path: string, pathNode: Node, yamlPath: string): ReadResource | null {
  let ok = true;
  for (const key of ['conditions', 'iat', 'exp'] as const) {
    const entry = fields.get(key);
    if (entry === undefined) continue;
    ok = false;
    report(ctx, entry.keyNode, entry.path, 'public_with_conditions', `a public resource is forwarded unchecked and never registered, so it takes no "${key}"; remove it or drop "public: true"`);
  }
  const methodsEntry = fields.get('httpMethods');
  const methods = methodsEntry === undefined ? undefined : readMethods(ctx, methodsEntry);
  if (methods === null) return null;
  if (methods !== undefined) reportRepeatedMethods(ctx, methods, path);
  if (!ok) return null;
  const httpMethods = methods === undefined ? null : [...new Set(methods.map((m) => m.method))];
  return { resource: { kind: 'public', path, httpMethods }, registration: null, pathNode, yamlPath };
}

function readProtected(ctx: ReadContext, fields: Map<string, Entry>, node: Node, path: string, pathNode: Node, yamlPath: string): ReadResource | null {
  const methodsEntry = fields.get('httpMethods');
  if (methodsEntry !== undefined) {
    report(ctx, methodsEntry.keyNode, methodsEntry.path, 'http_methods_not_public', 'a resource-level "httpMethods" is for public resources only; a protected resource lists its methods in each condition');
  }
  const conditionsEntry = fields.get('conditions');
  if (conditionsEntry === undefined) {
    report(ctx, node, `${yamlPath}.conditions`, 'conditions_missing', 'a protected resource needs "conditions" (or "public: true" to forward it unchecked)');
    return null;
  }
  const items = readSeq(ctx, conditionsEntry, 'conditions');
  if (items === null) return null;
  const read = items.map((item) => readCondition(ctx, item.node, item.path));
  const iatEntry = fields.get('iat');
  const expEntry = fields.get('exp');
  const iat = iatEntry === undefined ? undefined : readInteger(ctx, iatEntry);
  const exp = expEntry === undefined ? undefined : readInteger(ctx, expEntry);
  const methods: MethodOccurrence[] = read.flatMap((r) => (r === null ? [] : r.methods));
  reportRepeatedMethods(ctx, methods, path);
  if (methodsEntry !== undefined || iat === null || exp === null || !read.every((r) => r !== null)) return null;

  const conditions: UmaCondition[] = read.map((r) => r.condition);
  const registration: UmaResource = {
    path,
    conditions,
    ...(iat === undefined ? {} : { iat }),
    ...(exp === undefined ? {} : { exp }),
  };
  return { resource: { kind: 'protected', path, conditions }, registration, pathNode, yamlPath };
}

export function readResource(ctx: ReadContext, node: Node, yamlPath: string): ReadResource | null {
  const fields = readMap(ctx, node, node, yamlPath, RESOURCE_KEYS);
  if (fields === null) return null;
  const publicEntry = fields.get('public');
  const isPublic = publicEntry === undefined ? false : readBoolean(ctx, publicEntry);
  const path = readPath(ctx, fields.get('path'), node, yamlPath);
  if (isPublic === null) return null;
  // The rest is read even when the path is bad, so that every problem is reported at once.
  const resource = isPublic
    ? readPublic(ctx, fields, path?.text ?? '', path?.node ?? node, yamlPath)
    : readProtected(ctx, fields, node, path?.text ?? '', path?.node ?? node, yamlPath);
  return path === null ? null : resource;
}
