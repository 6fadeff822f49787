/**
 * One path segment's percent-encoding rules (segment.ts), shared by the request canonicaliser
 * and the policy's literals: what is decoded, what stays encoded, and the exact reason for each
 * refusal — the reason is what an operator reads in the 400 body and the log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDotSegment, normalizeSegment } from '../../src/policy/segment.js';

const REASON = {
  invalidEscape: 'invalid percent-encoding',
  encodedSlash: 'encoded "/" (%2F)',
  encodedBackslash: 'encoded "\\" (%5C)',
  encodedSemicolon: 'encoded ";" (%3B)',
  encodedControl: 'encoded control character',
  rawControl: 'whitespace or control character',
  rawNonAscii: 'raw non-ASCII character (percent-encode it)',
  rawBackslash: 'raw "\\"',
  rawHash: '"#"',
  invalidUtf8: 'percent-encoded bytes are not valid UTF-8',
  doubleEncoding: 'double percent-encoding (an escape such as %252e decodes to another escape)',
  nfkc: 'text that Unicode normalisation (NFKC) would change, e.g. fullwidth or decomposed characters',
  invisible: 'an invisible (default-ignorable) Unicode character',
  caseFold: 'a non-ASCII character whose upper or lower case is an ASCII letter (e.g. "ı", "İ")',
} as const;

// [behaviour, raw segment, canonical (as forwarded), decoded (as matched)]
const ACCEPTED: readonly (readonly [string, string, string, string])[] = [
  ['plain text', 'photo', 'photo', 'photo'],
  ['the empty segment (callers decide about it)', '', '', ''],
  ['every unreserved kind is decoded', '%41%5a%61%7A%30%39%2d%2E%5f%7e', 'AZaz09-._~', 'AZaz09-._~'],
  ['a reserved character stays encoded, in upper-case hex', '%21%2a%3d', '%21%2A%3D', '!*='],
  ['an encoded space stays encoded (0x20 is not a control character)', 'a%20b', 'a%20b', 'a b'],
  ['raw printable ASCII at both ends ("!" 0x21, "~" 0x7e)', '!~', '!~', '!~'],
  // The double-encoding boundary: "%25" followed by fewer than two hex digits is a literal "%".
  ['"%25a": a literal "%" then one hex digit', 'x%25a', 'x%25a', 'x%a'],
  ['"%252": a literal "%" then one hex digit', 'x%252', 'x%252', 'x%2'],
  ['"%252G": a literal "%" then a non-hex pair', 'x%252G', 'x%252G', 'x%2G'],
  ['"%25" alone', '%25', '%25', '%'],
  ['two-byte UTF-8', 'caf%c3%a9', 'caf%C3%A9', 'café'],
  ['the first character after the C1 controls (U+00A1)', '%c2%a1', '%C2%A1', '¡'],
  ['ß, whose upper case "SS" is a spelling, not a look-alike', 'stra%C3%9Fe', 'stra%C3%9Fe', 'straße'],
  ['a letter outside Latin', '%CE%B1', '%CE%B1', 'α'],
];

// [behaviour, raw segment, exact reason]
const REJECTED: readonly (readonly [string, string, string])[] = [
  ['a non-hex escape', 'a%zz', REASON.invalidEscape],
  ['a half-hex escape', 'a%4g', REASON.invalidEscape],
  ['a truncated escape', 'a%4', REASON.invalidEscape],
  ['a bare "%"', '100%', REASON.invalidEscape],
  ['%2F', 'a%2fb', REASON.encodedSlash],
  ['%5C', 'a%5Cb', REASON.encodedBackslash],
  ['%3B', 'a%3bb', REASON.encodedSemicolon],
  ['%00', 'a%00', REASON.encodedControl],
  ['%1F, the last C0 control', 'a%1f', REASON.encodedControl],
  ['%7F', 'a%7f', REASON.encodedControl],
  ['a C1 control, first (U+0080)', '%c2%80', REASON.encodedControl],
  ['a C1 control, last (U+009F)', '%c2%9f', REASON.encodedControl],
  ['a raw space', 'a b', REASON.rawControl],
  ['a raw control character', 'a\u001fb', REASON.rawControl],
  ['a raw DEL', 'a\u007fb', REASON.rawControl],
  ['a raw non-ASCII character', 'caf\u00e9', REASON.rawNonAscii],
  ['the first raw non-ASCII code (0x80)', 'a\u0080', REASON.rawNonAscii],
  ['a raw "\\"', 'a\\b', REASON.rawBackslash],
  ['a raw "#"', 'a#b', REASON.rawHash],
  ['a lone continuation byte', 'a%80', REASON.invalidUtf8],
  ['an overlong "."', '%c0%ae', REASON.invalidUtf8],
  ['a truncated sequence', 'caf%c3', REASON.invalidUtf8],
  // The double-encoding boundary: "%25" followed by two hex digits decodes to another escape.
  ['"%252e": decodes to "%2e"', 'x%252e', REASON.doubleEncoding],
  ['"%2525": decodes to "%25"', '%2525', REASON.doubleEncoding],
  ['"%25" + "41" spelled with escapes', '%25%34%31', REASON.doubleEncoding],
  ['a decoded escape in upper-case hex', 'x%252F', REASON.doubleEncoding],
  ['fullwidth dots', '%EF%BC%8E%EF%BC%8E', REASON.nfkc],
  ['the Kelvin sign (NFKC folds it to K)', '%E2%84%AA', REASON.nfkc],
  ['a decomposed accent', 'cafe%CC%81', REASON.nfkc],
  ['a zero-width space', 'ad%E2%80%8Bmin', REASON.invisible],
  ['a byte-order mark at the start (never stripped by the decoder)', '%EF%BB%BFadmin', REASON.invisible],
  ['a soft hyphen', 'ad%C2%ADmin', REASON.invisible],
  ['dotless ı (upper case is I) amid ASCII', 'adm%C4%B1n', REASON.caseFold],
  ['dotted İ (lower case is i + a mark)', '%C4%B0', REASON.caseFold],
];

describe('normalizeSegment', () => {
  it.each(ACCEPTED)('accepts %s', (_name, raw, canonical, decoded) => {
    expect(normalizeSegment(raw)).toEqual({ ok: true, canonical, decoded });
  });

  it.each(REJECTED)('rejects %s with its exact reason', (_name, raw, reason) => {
    expect(normalizeSegment(raw)).toEqual({ ok: false, reason });
  });

  // Plain segments skip the decoder: they must read exactly as their fully escaped spelling does.
  it('reads raw printable ASCII as its percent-encoded spelling reads', () => {
    const plainChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)).filter((c) => !'%\\#/'.includes(c));
    const escape = (raw: string): string => raw.replace(/[^;]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    fc.assert(
      fc.property(fc.string({ unit: plainChar }), (raw) => {
        const plain = normalizeSegment(raw);
        expect(plain).toEqual({ ok: true, canonical: raw, decoded: raw });
        expect(normalizeSegment(escape(raw))).toMatchObject({ ok: true, decoded: raw });
      }),
    );
  });
});

describe('isDotSegment', () => {
  it.each([
    ['.', true],
    ['..', true],
    ['...', false],
    ['', false],
    ['.a', false],
  ])('%j → %s', (decoded, expected) => {
    expect(isDotSegment(decoded)).toBe(expected);
  });
});
