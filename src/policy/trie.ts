/**
 * The segment trie behind the matcher: one trie per method, built once per policy, so a lookup
 * costs time in proportion to the path length, not to the number of resources.
 */
import { parsePattern } from './pattern.js';
import type { PatternElement } from './pattern.js';
import type { Match, PolicyResource } from './types.js';

export interface Terminal {
  readonly match: Match;
  /** 0 protected, 1 public: at equal specificity protected wins. */
  readonly kindRank: 0 | 1;
  /** Position in the policy file: the last tie-breaker. */
  readonly index: number;
  /** Public literals match case-sensitively: element index → exact text the request must hold. */
  readonly exactLiterals: readonly { readonly element: number; readonly text: string }[];
}

export interface RegexChild {
  readonly source: string;
  readonly regex: RegExp;
  readonly node: TrieNode;
}

export interface TrieNode {
  /** Keyed by lower-cased decoded text; public resources re-check case at their terminal. */
  readonly literal: Map<string, TrieNode>;
  readonly regex: RegexChild[];
  one: TrieNode | null;
  any: TrieNode | null;
  readonly terminals: Terminal[];
}

export function emptyNode(): TrieNode {
  return { literal: new Map(), regex: [], one: null, any: null, terminals: [] };
}

function terminalFor(resource: PolicyResource, method: string, index: number, exactLiterals: Terminal['exactLiterals']): Terminal | null {
  if (resource.kind === 'public') {
    return { match: { outcome: 'public', pattern: resource.path, resource }, kindRank: 1, index, exactLiterals };
  }
  const condition = resource.conditions.find((c) => c.httpMethods.includes(method));
  if (condition === undefined) return null;
  return { match: { outcome: 'protected', pattern: resource.path, resource, condition, method }, kindRank: 0, index, exactLiterals: [] };
}

function regexChild(node: TrieNode, source: string, regex: RegExp): TrieNode {
  const existing = node.regex.find((r) => r.source === source);
  if (existing !== undefined) return existing.node;
  const child = emptyNode();
  node.regex.push({ source, regex, node: child });
  return child;
}

/** The elements of a validated resource's path (parsed once per resource, not per method). */
export function patternOf(resource: PolicyResource): readonly PatternElement[] {
  const parsed = parsePattern(resource.path);
  // The policy was validated, so every path parses; a failure here is a programming error.
  if (!parsed.ok) throw new TypeError(`unvalidated resource path ${resource.path}`);
  return parsed.elements;
}

/** Adds one resource (its path parsed by patternOf), for one method, to that method's trie. */
export function insert(root: TrieNode, resource: PolicyResource, elements: readonly PatternElement[], method: string, index: number): void {
  let node = root;
  const exactLiterals: { element: number; text: string }[] = [];
  elements.forEach((element, i) => {
    switch (element.kind) {
      case 'literal': {
        const key = element.text.toLowerCase();
        let child = node.literal.get(key);
        if (child === undefined) {
          child = emptyNode();
          node.literal.set(key, child);
        }
        exactLiterals.push({ element: i, text: element.text });
        node = child;
        break;
      }
      case 'regex':
        node = regexChild(node, element.source, element.regex);
        break;
      case 'one':
        node.one ??= emptyNode();
        node = node.one;
        break;
      case 'any':
        node.any ??= emptyNode();
        node = node.any;
        break;
    }
  });
  const terminal = terminalFor(resource, method, index, exactLiterals);
  if (terminal === null) return;
  node.terminals.push(terminal);
  node.terminals.sort((a, b) => a.kindRank - b.kindRank || a.index - b.index);
}
