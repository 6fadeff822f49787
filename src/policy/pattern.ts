/**
 * Resource path patterns: `/literal/?/??/{regex}`. Parsed once into elements that the validator
 * checks and the matcher compiles.
 */
import { isDotSegment, normalizeSegment } from './segment.js';
import { redosProblem } from './regex-safety.js';

export type PatternElement =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'regex'; readonly source: string; readonly regex: RegExp }
  | { readonly kind: 'one' }
  | { readonly kind: 'any' };

export interface PatternIssue {
  readonly code: string;
  readonly message: string;
}

export type ParsedPattern =
  | { readonly ok: true; readonly elements: readonly PatternElement[] }
  | { readonly ok: false; readonly issues: readonly PatternIssue[] };

/** Splits on '/' outside `{…}` so a regex may hold a '/' or nested braces. */
function splitSegments(path: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 1; i < path.length; i++) {
    const ch = path.charAt(i);
    if (ch === '\\' && depth > 0) {
      current += ch + path.charAt(i + 1);
      i++;
      continue;
    }
    if (ch === '{') depth++;
    if (ch === '}' && depth > 0) depth--;
    if (ch === '/' && depth === 0) {
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return segments;
}

/** Anchored to the whole decoded segment; 'u' makes the syntax strict and Unicode-aware. */
function anchoredRegex(source: string): RegExp {
  return new RegExp(`^(?:${source})$`, 'u');
}

function isRegexSegment(segment: string): boolean {
  return segment.length >= 2 && segment.startsWith('{') && segment.endsWith('}');
}

/** The compiled regexes of a path's `{regex}` segments, so a whole policy's can be screened at once. */
export function segmentRegexes(path: string): RegExp[] {
  return splitSegments(path).flatMap((segment) => {
    if (!isRegexSegment(segment)) return [];
    try {
      return [anchoredRegex(segment.slice(1, -1))];
    } catch {
      return [];
    }
  });
}

function parseRegex(source: string): PatternElement | PatternIssue {
  let regex: RegExp;
  try {
    regex = anchoredRegex(source);
  } catch (err) {
    return { code: 'regex_invalid', message: `{${source}} is not a valid regular expression: ${(err as Error).message}` };
  }
  const unsafe = redosProblem(regex);
  if (unsafe !== null) {
    return { code: 'regex_unsafe', message: `{${source}} could backtrack catastrophically (${unsafe}); rewrite it without nested or overlapping repetition` };
  }
  return { kind: 'regex', source, regex };
}

function parseLiteral(segment: string): PatternElement | PatternIssue {
  if (segment.includes('?')) {
    return /[=&]/.test(segment)
      ? { code: 'path_has_query', message: `"${segment}" holds a query string; a path matches the path only, never the query` }
      : { code: 'wildcard_not_segment', message: `"${segment}": "?" and "??" must be whole segments (/a/?/b), and a path cannot hold a query` };
  }
  if (segment.includes('{') || segment.includes('}')) {
    return { code: 'regex_not_segment', message: `"${segment}": a {regex} must be a whole segment (/users/{[0-9]+})` };
  }
  if (segment.includes(';')) {
    return { code: 'path_bad_segment', message: `"${segment}": ";" parameters are removed from requests before matching, so this segment could never match` };
  }
  let encoded: string;
  try {
    // Policies may spell non-ASCII literally (/café); requests carry it percent-encoded.
    encoded = segment.replace(/[^ -~]+/gu, (text) => encodeURIComponent(text));
  } catch {
    return { code: 'path_bad_segment', message: `"${segment}" is not valid Unicode text` };
  }
  const normal = normalizeSegment(encoded);
  if (!normal.ok) return { code: 'path_bad_segment', message: `"${segment}": ${normal.reason}` };
  if (isDotSegment(normal.decoded)) return { code: 'path_dot_segment', message: `"${segment}": dot segments are not allowed` };
  return { kind: 'literal', text: normal.decoded };
}

function parseSegment(segment: string, isLast: boolean): PatternElement | PatternIssue {
  if (segment === '?') return { kind: 'one' };
  if (segment === '??') return { kind: 'any' };
  if (isRegexSegment(segment)) return parseRegex(segment.slice(1, -1));
  // Only the last segment may be empty: that is a trailing slash, registered as written.
  if (segment === '') {
    return isLast ? { kind: 'literal', text: '' } : { code: 'path_empty_segment', message: 'empty segment ("//") in the path' };
  }
  return parseLiteral(segment);
}

/** Parses a resource path pattern, collecting every issue. */
export function parsePattern(path: string): ParsedPattern {
  if (!path.startsWith('/')) {
    return { ok: false, issues: [{ code: 'path_not_absolute', message: `"${path}" must start with "/" (an absolute path, no scheme or host)` }] };
  }
  if (path.includes('#')) {
    return { ok: false, issues: [{ code: 'path_has_fragment', message: `"${path}" holds a fragment ("#"); write the path only` }] };
  }
  const segments = splitSegments(path);
  const issues: PatternIssue[] = [];
  const elements: PatternElement[] = [];
  segments.forEach((segment, i) => {
    const parsed = parseSegment(segment, i === segments.length - 1);
    if ('code' in parsed) issues.push(parsed);
    else elements.push(parsed);
  });
  if (elements.filter((e) => e.kind === 'any').length > 1) {
    issues.push({ code: 'path_multiple_any', message: `"${path}" has more than one "??"; at most one is allowed per path` });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, elements };
}
