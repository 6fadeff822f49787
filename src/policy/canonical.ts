/**
 * The request-target canonicaliser (README, *What is matched: the canonical path*). One pure
 * function computes the path that is matched, cached, logged and forwarded; anything a backend
 * could read differently is refused.
 */
import type { CanonicalTarget } from './types.js';
import { isDotSegment, isPlainChar, normalizeSegment } from './segment.js';

// Absolute-form (RFC 9112 §3.2.2): only the path and query are used; the authority is ignored.
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Longest decoded segment accepted. Segment regexes run on client-chosen text: even a regex
 * proven linear by validation gets a bounded input, so no single request can stall the event
 * loop on one (a real path segment is far shorter).
 */
export const MAX_SEGMENT_LENGTH = 1_024;

function reject(reason: string): CanonicalTarget {
  return { ok: false, reason };
}

/** Splits the request-target into path and query, or explains why its form is refused. */
function splitTarget(rawTarget: string): { path: string; query: string | null } | { reason: string } {
  if (rawTarget === '*') return { reason: 'asterisk-form request target' };
  if (hasControlOrSpace(rawTarget)) return { reason: 'whitespace or control character in the request target' };
  if (rawTarget.includes('#')) return { reason: 'fragment ("#") in the request target' };
  let rest = rawTarget;
  const absolute = ABSOLUTE_FORM.exec(rawTarget);
  if (absolute !== null) {
    rest = rawTarget.slice(absolute[0].length);
    if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  }
  if (!rest.startsWith('/')) return { reason: 'request target is neither origin-form nor absolute-form' };
  const q = rest.indexOf('?');
  return q === -1 ? { path: rest, query: null } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/** `path` keeps `;` parameters (normalised); the match segment is the decoded text before them. */
function canonicalSegment(raw: string): { forward: string; match: string } | { reason: string } {
  const whole = normalizeSegment(raw);
  if (!whole.ok) return { reason: whole.reason };
  if (whole.decoded.length > MAX_SEGMENT_LENGTH) return { reason: `path segment longer than ${MAX_SEGMENT_LENGTH} characters` };
  if (isDotSegment(whole.decoded)) return { reason: 'dot segment ("." or "..")' };
  const semicolon = raw.indexOf(';');
  if (semicolon === -1) return { forward: whole.canonical, match: whole.decoded };
  const base = normalizeSegment(raw.slice(0, semicolon));
  if (!base.ok) return { reason: base.reason };
  if (base.decoded === '' || isDotSegment(base.decoded)) {
    return { reason: 'segment is empty or a dot segment once its ";" parameters are removed' };
  }
  return { forward: whole.canonical, match: base.decoded };
}

const SLASH = 0x2f;
const DOT = 0x2e;
const SEMICOLON = 0x3b;

/**
 * Nearly every request: an origin-form target whose path is printable ASCII with no `%`, `;`,
 * `\`, `#`, empty or dot segment, overlong segment or trailing slash is its own canonical path
 * and its only reading — what the walk in canonicalizeTarget computes, without splitting and
 * joining. Null for anything else, which takes that walk.
 */
function plainTarget(raw: string): CanonicalTarget | null {
  if (raw.charCodeAt(0) !== SLASH) return null;
  const q = raw.indexOf('?');
  const pathEnd = q === -1 ? raw.length : q;
  let segmentStart = 1;
  for (let i = 1; i <= pathEnd; i++) {
    const code = i === pathEnd ? SLASH : raw.charCodeAt(i);
    if (code === SLASH) {
      const length = i - segmentStart;
      if (length === 0 || length > MAX_SEGMENT_LENGTH) return null;
      if (raw.charCodeAt(segmentStart) === DOT && (length === 1 || (length === 2 && raw.charCodeAt(segmentStart + 1) === DOT))) return null;
      segmentStart = i + 1;
    } else if (!isPlainChar(code) || code === SEMICOLON) {
      return null;
    }
  }
  if (q === -1) return { ok: true, path: raw, matchPaths: [raw], query: null };
  for (let i = q + 1; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x23) return null;
  }
  const path = raw.slice(0, q);
  return { ok: true, path, matchPaths: [path], query: raw.slice(q + 1) };
}

/**
 * Canonicalises `req.url` as Node gives it (never parsed with `new URL`, which would read `//x`
 * as an authority and `\` as `/`).
 */
export function canonicalizeTarget(rawTarget: string): CanonicalTarget {
  const plain = plainTarget(rawTarget);
  if (plain !== null) return plain;
  const split = splitTarget(rawTarget);
  if ('reason' in split) return reject(split.reason);
  if (split.path === '/') return { ok: true, path: '/', matchPaths: ['/'], query: split.query };

  const rawSegments = split.path.slice(1).split('/');
  const trailingSlash = rawSegments.at(-1) === '';
  if (trailingSlash) rawSegments.pop();

  const forward: string[] = [];
  const match: string[] = [];
  for (const raw of rawSegments) {
    if (raw === '') return reject('empty path segment ("//")');
    const seg = canonicalSegment(raw);
    if ('reason' in seg) return reject(seg.reason);
    forward.push(seg.forward);
    match.push(seg.match);
  }
  const bare = `/${match.join('/')}`;
  const path = `/${forward.join('/')}${trailingSlash ? '/' : ''}`;
  return trailingSlash
    ? { ok: true, path, matchPaths: [`${bare}/`, bare], query: split.query }
    : { ok: true, path, matchPaths: [bare], query: split.query };
}
