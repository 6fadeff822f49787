/**
 * Typed reading of the YAML syntax tree with located problems. Validation walks nodes (not the
 * plain JS value) so every problem carries the line:column of the node that caused it.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { PolicyProblem } from './errors.js';
import { didYouMean } from './suggest.js';

export interface ReadContext {
  readonly file: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
  readonly problems: PolicyProblem[];
  /** Things that are valid but probably not meant (umagate validate prints them). */
  readonly warnings: PolicyProblem[];
}

/** Anything a problem can be reported at: a node, or a spot given by offset. */
export type Where = Node | number | null | undefined;

export interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: Node | null;
  readonly path: string;
}

export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

function offsetOf(where: Where): number {
  if (typeof where === 'number') return where;
  return where?.range?.[0] ?? 0;
}

export function report(ctx: ReadContext, where: Where, yamlPath: string, code: string, message: string): void {
  const { line, col } = ctx.lineCounter.linePos(offsetOf(where));
  ctx.problems.push({ file: ctx.file, line, column: col, yamlPath, code, message });
}

/** Records a warning at a node, in the same shape as a problem. */
export function warn(ctx: ReadContext, where: Where, yamlPath: string, code: string, message: string): void {
  const { line, col } = ctx.lineCounter.linePos(offsetOf(where));
  ctx.warnings.push({ file: ctx.file, line, column: col, yamlPath, code, message });
}

/** Follows `*alias` references so anchors can share scope lists. */
export function resolve(ctx: ReadContext, node: unknown): Node | null {
  if (isAlias(node)) return node.resolve(ctx.doc) ?? null;
  if (isMap(node) || isSeq(node) || isScalar(node)) return node;
  return null;
}

function describeNode(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing' : `${typeof node.value} ${JSON.stringify(node.value)}`;
  return 'an unsupported node';
}

/**
 * Reads a map, reporting unknown keys (at the key, with a suggestion) and duplicates.
 * Returns null (after reporting) when the node is not a map.
 */
export function readMap(
  ctx: ReadContext,
  node: Node | null,
  at: Where,
  path: string,
  allowed: readonly string[],
): Map<string, Entry> | null {
  if (!isMap(node)) {
    report(ctx, node ?? at, path, 'wrong_type', `expected a map with keys ${allowed.join(', ')}, found ${describeNode(node)}`);
    return null;
  }
  const entries = new Map<string, Entry>();
  for (const pair of node.items) {
    const keyNode = resolve(ctx, pair.key);
    if (keyNode === null || !isScalar(keyNode) || typeof keyNode.value !== 'string') {
      report(ctx, keyNode ?? node, path, 'wrong_type', `keys must be strings; allowed: ${allowed.join(', ')}`);
      continue;
    }
    const key = keyNode.value;
    const keyPath = childPath(path, key);
    if (!allowed.includes(key)) {
      const hint = didYouMean(key, allowed);
      report(ctx, keyNode, keyPath, 'unknown_key', `unknown key "${key}"${hint}; allowed: ${allowed.join(', ')}`);
      continue;
    }
    const previous = entries.get(key);
    if (previous !== undefined) {
      const line = ctx.lineCounter.linePos(offsetOf(previous.keyNode)).line;
      report(ctx, keyNode, keyPath, 'duplicate_key', `"${key}" is already set on line ${line}; each key may appear once`);
      continue;
    }
    entries.set(key, { key, keyNode, value: resolve(ctx, pair.value), path: keyPath });
  }
  return entries;
}

/** Reads a list; reports and returns null when the node is not a list or (unless allowed) empty. */
export function readSeq(ctx: ReadContext, entry: Entry, what: string, allowEmpty = false): { node: Node; path: string }[] | null {
  const node = entry.value;
  if (!isSeq(node)) {
    report(ctx, node ?? entry.keyNode, entry.path, 'wrong_type', `expected a list of ${what}, found ${describeNode(node)}`);
    return null;
  }
  if (!allowEmpty && node.items.length === 0) {
    report(ctx, node, entry.path, 'empty_list', `"${entry.key}" is empty: list at least one (${what})`);
    return null;
  }
  const items: { node: Node; path: string }[] = [];
  node.items.forEach((item, i) => {
    const resolved = resolve(ctx, item);
    const itemNode = resolved ?? node;
    items.push({ node: itemNode, path: itemPath(entry.path, i) });
  });
  return items;
}

/** The string value of a scalar node, or null after reporting. */
export function readString(ctx: ReadContext, node: Node | null, at: Where, path: string, what: string): string | null {
  if (isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value;
  report(ctx, node ?? at, path, 'wrong_type', `expected ${what} (a non-empty string), found ${describeNode(node)}`);
  return null;
}

export function readBoolean(ctx: ReadContext, entry: Entry): boolean | null {
  const node = entry.value;
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  report(ctx, node ?? entry.keyNode, entry.path, 'wrong_type', `expected true or false, found ${describeNode(node)}`);
  return null;
}

export function readInteger(ctx: ReadContext, entry: Entry): number | null {
  const node = entry.value;
  if (isScalar(node) && typeof node.value === 'number' && Number.isSafeInteger(node.value) && node.value >= 0) return node.value;
  report(ctx, node ?? entry.keyNode, entry.path, 'wrong_type', `expected a non-negative integer (epoch seconds), found ${describeNode(node)}`);
  return null;
}

/** Plain JS value of a node (for JsonLogic rules, which are sent to oxd as written). */
export function toPlain(ctx: ReadContext, node: Node | null): unknown {
  return node === null ? null : node.toJS(ctx.doc);
}

