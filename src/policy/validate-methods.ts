/** HTTP method lists: upper-case known methods only (RFC 9110 methods are case-sensitive). */
import type { Node } from 'yaml';
import { HTTP_METHODS } from './types.js';
import type { HttpMethod } from './types.js';
import { didYouMean } from './suggest.js';
import { readSeq, readString, report } from './yaml-reader.js';
import type { Entry, ReadContext } from './yaml-reader.js';

export interface MethodOccurrence {
  readonly method: HttpMethod;
  readonly node: Node;
  readonly path: string;
}

function isHttpMethod(s: string): s is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(s);
}

/** Reads a method list; returns null when any item is not a known upper-case method. */
export function readMethods(ctx: ReadContext, entry: Entry): MethodOccurrence[] | null {
  const items = readSeq(ctx, entry, 'HTTP methods');
  if (items === null) return null;
  const methods: MethodOccurrence[] = [];
  let ok = true;
  for (const item of items) {
    const value = readString(ctx, item.node, entry.keyNode, item.path, 'an HTTP method');
    if (value === null) {
      ok = false;
    } else if (isHttpMethod(value)) {
      methods.push({ method: value, node: item.node, path: item.path });
    } else if (isHttpMethod(value.toUpperCase())) {
      ok = false;
      report(ctx, item.node, item.path, 'method_lowercase', `methods are case-sensitive: write "${value.toUpperCase()}", not "${value}"`);
    } else {
      ok = false;
      const hint = didYouMean(value, HTTP_METHODS);
      report(ctx, item.node, item.path, 'method_unknown', `"${value}" is not an HTTP method${hint}; allowed: ${HTTP_METHODS.join(', ')}`);
    }
  }
  return ok ? methods : null;
}

/** oxd's `http_method_not_unique`: one method may appear once per path, across all conditions. */
export function reportRepeatedMethods(ctx: ReadContext, occurrences: readonly MethodOccurrence[], pathText: string): void {
  const seen = new Map<HttpMethod, MethodOccurrence>();
  for (const occurrence of occurrences) {
    const first = seen.get(occurrence.method);
    if (first === undefined) {
      seen.set(occurrence.method, occurrence);
      continue;
    }
    report(ctx, occurrence.node, occurrence.path, 'http_method_not_unique', `${occurrence.method} is already listed for "${pathText}" at ${first.path}; oxd allows each method once per path`);
  }
}
