/**
 * The request-target canonicaliser (README, *What is matched: the canonical path*). Rows named
 * after an advisory reproduce path-confusion attacks published against other proxies and
 * frameworks (their end-to-end counterparts are in test/security).
 */
import { describe, expect, it } from 'vitest';
import { canonicalizeTarget } from '../../src/policy/index.js';

// [name, raw request target, expected path, expected matchPaths, expected query]
const ACCEPTED: readonly (readonly [string, string, string, readonly string[], string | null])[] = [
  ['a plain path', '/photo', '/photo', ['/photo'], null],
  ['the root', '/', '/', ['/'], null],
  ['the root with a query', '/?a=1', '/', ['/'], 'a=1'],
  ['the query is kept as sent and never matched (GHSA-7rh7-c77v-6434 ?/public)', '/admin?/public', '/admin', ['/admin'], '/public'],
  ['an empty query', '/a?', '/a', ['/a'], ''],
  ['a query with odd characters kept as sent', '/a?x=%zz&y=/../b', '/a', ['/a'], 'x=%zz&y=/../b'],
  ['a trailing slash gives two readings', '/a/b/', '/a/b/', ['/a/b/', '/a/b'], null],
  ['unreserved percent-encodings are decoded (/api/%61dmin)', '/api/%61dmin', '/api/admin', ['/api/admin'], null],
  ['tilde and hyphen are decoded', '/%7euser/a%2db', '/~user/a-b', ['/~user/a-b'], null],
  ['other encodings are normalised to upper-case hex', '/a%2a%3a', '/a%2A%3A', ['/a*:'], null],
  ['an encoded space stays encoded and is decoded for matching', '/my%20file', '/my%20file', ['/my file'], null],
  ['an encoded percent sign that forms no escape is decoded once', '/a%25zz', '/a%25zz', ['/a%zz'], null],
  ['valid UTF-8 is decoded for matching', '/caf%c3%a9', '/caf%C3%A9', ['/café'], null],
  ['a four-byte UTF-8 character', '/%F0%9F%98%80', '/%F0%9F%98%80', ['/😀'], null],
  ['matrix parameters are removed for matching (;x=1, CVE-2026-15573)', '/api/admin;x=1', '/api/admin;x=1', ['/api/admin'], null],
  ['matrix parameters on an inner segment', '/a;jsessionid=9/b', '/a;jsessionid=9/b', ['/a/b'], null],
  ['matrix parameters before a trailing slash', '/admin;x=1/', '/admin;x=1/', ['/admin/', '/admin'], null],
  ['a dot inside a segment is not a dot segment', '/a/.well-known/b..c', '/a/.well-known/b..c', ['/a/.well-known/b..c'], null],
  ['three dots are an ordinary segment', '/a/.../b', '/a/.../b', ['/a/.../b'], null],
  ['sub-delimiters and colons stay as sent', "/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,=", ["/a:b@c!$&'()*+,="], null],
  ['absolute-form uses its path only', 'http://example.com/a/b?q=1', '/a/b', ['/a/b'], 'q=1'],
  ['absolute-form with https and a port', 'HTTPS://example.com:8443/a', '/a', ['/a'], null],
  ['absolute-form with an empty path is the root', 'http://example.com', '/', ['/'], null],
  ['absolute-form with only a query', 'http://example.com?x', '/', ['/'], 'x'],
  // The absolute-form rule is anchored at the start: a URL later in the target is data.
  ['a URL in the query of an origin-form target', '/login?next=http://x/y', '/login', ['/login'], 'next=http://x/y'],
  ['a URL in the query of an absolute-form target', 'http://h/a?next=https://x/y', '/a', ['/a'], 'next=https://x/y'],
  ['a scheme-like segment without "//"', '/a/http:b', '/a/http:b', ['/a/http:b'], null],
  ['the printable ends of ASCII in the query ("!" and "~")', '/a?!~', '/a', ['/a'], '!~'],
];

// [name, raw request target, a word the reason contains]
const REJECTED: readonly (readonly [string, string, string])[] = [
  ['/public/../admin (GHSA-p224-6x5r-fjpm)', '/public/../admin', 'dot segment'],
  ['a single dot segment', '/a/./b', 'dot segment'],
  ['a trailing dot segment', '/a/..', 'dot segment'],
  ['%2e%2e (http-proxy-middleware#1168)', '/a/%2e%2e/admin', 'dot segment'],
  ['a double-encoded escape (%252e decodes to %2e)', '/a/%252e%252e/admin', 'double percent-encoding'],
  ['fullwidth dots fold to .. under NFKC', '/a/%EF%BC%8E%EF%BC%8E/admin', 'NFKC'],
  ['%2E%2E in upper case', '/a/%2E%2E/admin', 'dot segment'],
  ['a mixed .%2e', '/a/.%2e/admin', 'dot segment'],
  ['an encoded single dot', '/a/%2e/b', 'dot segment'],
  ['..%2f (caddy PR #4407)', '/a/..%2fadmin', '%2F'],
  ['%2F in lower case', '/a%2fb', '%2F'],
  ['%5C', '/a%5cb', '%5C'],
  ['%3B (CVE-2026-74909)', '/admin%3bx=1', '%3B'],
  ['//admin (Node new URL reads it as an authority)', '//admin/secret', 'empty path segment'],
  ['an empty inner segment', '/a//b', 'empty path segment'],
  ['two trailing slashes', '/a//', 'empty path segment'],
  ['#frag (CVE-2026-41059)', '/public#frag', '#'],
  ['a fragment after the query', '/a?x#y', '#'],
  ['/a\\..\\admin (Node new URL reads \\ as /)', '/a\\..\\admin', '\\'],
  ['a raw backslash', '/a\\b', '\\'],
  ['whitespace in target (gluu-gateway#347)', '/command1 bla', 'whitespace'],
  ['a tab', '/a\tb', 'whitespace'],
  ['a raw NUL', '/a\u0000b', 'control'],
  ['a raw DEL', '/a\u007fb', 'control'],
  ['an encoded NUL', '/a%00b', 'control'],
  ['an encoded newline', '/a%0ab', 'control'],
  ['an encoded DEL', '/a%7f', 'control'],
  ['an encoded C1 control', '/a%c2%85', 'control'],
  ['overlong UTF-8 %c0%ae', '/a/%c0%ae%c0%ae/admin', 'UTF-8'],
  ['an overlong slash %c0%af', '/a%c0%afb', 'UTF-8'],
  ['a lone continuation byte', '/a%80', 'UTF-8'],
  ['a truncated sequence', '/caf%c3', 'UTF-8'],
  ['an encoded surrogate', '/%ed%a0%80', 'UTF-8'],
  ['invalid percent-encoding', '/a%zz', 'percent-encoding'],
  ['a truncated percent-encoding', '/a%4', 'percent-encoding'],
  ['a bare percent sign', '/100%', 'percent-encoding'],
  ['raw non-ASCII (as Node hands latin1 bytes)', '/caf\u00c3\u00a9', 'non-ASCII'],
  ['a segment that is empty once its parameters go', '/a/;x=1/b', 'parameters'],
  ['a dot segment hidden behind parameters', '/a/..;x=1/admin', 'parameters'],
  ['a single dot behind parameters', '/a/.;/b', 'parameters'],
  ['asterisk-form', '*', 'asterisk'],
  ['an authority-form target', 'example.com:443', 'origin-form'],
  ['a relative path', 'a/b', 'origin-form'],
  ['an empty target', '', 'origin-form'],
  ['absolute-form with a dot segment', 'http://h/a/../admin', 'dot segment'],
  ['absolute-form of another scheme', 'ftp://h/a', 'origin-form'],
];

/** Every byte Node's parser might let through that a backend could split or strip on. */
const CONTROL_OR_SPACE = [...Array.from({ length: 0x21 }, (_v, code) => code), 0x7f].map((code) => [`0x${code.toString(16).padStart(2, '0')}`, String.fromCharCode(code)] as const);

describe('canonicalizeTarget', () => {
  it.each(ACCEPTED)('accepts %s', (_name, raw, path, matchPaths, query) => {
    expect(canonicalizeTarget(raw)).toEqual({ ok: true, path, matchPaths, query });
  });

  it.each(REJECTED)('rejects %s', (_name, raw, reason) => {
    const result = canonicalizeTarget(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it('"http://" inside the path is an empty segment, not an absolute-form target', () => {
    expect(canonicalizeTarget('/a/http://b')).toEqual({ ok: false, reason: 'empty path segment ("//")' });
  });

  // Refused by the canonicaliser itself, whatever Node's HTTP parser lets through (its lenient
  // mode, or a future change): the query is forwarded as sent, so it is checked as raw bytes.
  it.each(CONTROL_OR_SPACE)('rejects the raw byte %s in the query, and in the path', (_name, char) => {
    const reason = 'whitespace or control character in the request target';
    expect(canonicalizeTarget(`/a?x=${char}`)).toEqual({ ok: false, reason });
    expect(canonicalizeTarget(`/a?${char}`)).toEqual({ ok: false, reason });
    expect(canonicalizeTarget(`/a${char}b`)).toEqual({ ok: false, reason });
  });
});
