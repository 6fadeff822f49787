/**
 * Percent-encoding rules for one path segment, shared by the request canonicaliser and the
 * policy's literal patterns so both sides compare the same decoded text.
 */

export type SegmentResult =
  | {
      readonly ok: true;
      /** As forwarded: unreserved characters decoded, other escapes upper-case hex. */
      readonly canonical: string;
      /** Fully percent-decoded text, for matching. */
      readonly decoded: string;
    }
  | { readonly ok: false; readonly reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const C1_CONTROL = /[\u0080-\u009f]/u;
/** A percent-escape left after decoding: `%252e` decodes to `%2e`, which a second decode reads as `.`. */
const ESCAPE_AFTER_DECODING = /%[0-9A-Fa-f]{2}/;
/** Invisible characters (zero-width space, soft hyphen, BOM, …) that backends may silently drop. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
/**
 * A decimal digit of another script (Arabic-Indic `٣`, Devanagari `३`, …): NFKC keeps them, yet
 * many backends parse them as numbers (Python's int(), .NET, Java's Character.digit), so
 * `/users/٣` would be user 3 to the backend and no match for `{[0-9]+}` to the proxy.
 */
const NON_ASCII_DIGIT = /[^\P{Nd}0-9]/u;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Why a byte may not appear percent-encoded: an encoded separator or control character is
 * read differently by different backends, so it is refused rather than guessed.
 */
function forbiddenEncodedByte(byte: number): string | null {
  if (byte === 0x2f) return 'encoded "/" (%2F)';
  if (byte === 0x5c) return 'encoded "\\" (%5C)';
  // Decoding %3B would re-create a `;` parameter after the proxy stripped the real ones.
  if (byte === 0x3b) return 'encoded ";" (%3B)';
  if (byte < 0x20 || byte === 0x7f) return 'encoded control character';
  return null;
}

function forbiddenRawChar(code: number): string | null {
  if (code <= 0x20 || code === 0x7f) return 'whitespace or control character';
  if (code > 0x7e) return 'raw non-ASCII character (percent-encode it)';
  if (code === 0x5c) return 'raw "\\"';
  if (code === 0x23) return '"#"';
  return null;
}

/** Normalises and decodes one segment (no '/' inside); refuses anything ambiguous. */
export function normalizeSegment(raw: string): SegmentResult {
  return isPlainAscii(raw) ? { ok: true, canonical: raw, decoded: raw } : normalizeEscaped(raw);
}

/**
 * A character that stands for itself in a segment: printable ASCII that is neither an escape's
 * `%` nor one forbiddenRawChar refuses. Both fast paths (isPlainAscii here, plainTarget in
 * canonical.ts) accept nothing else, so neither can take a character the full walk would change
 * or refuse.
 */
export function isPlainChar(code: number): boolean {
  return code > 0x20 && code < 0x7f && code !== 0x25 && code !== 0x5c && code !== 0x23;
}

/**
 * Only plain characters: the segment is its own canonical and decoded form (what
 * normalizeEscaped would build, without its byte array and UTF-8 decoder), which is nearly every
 * segment of nearly every request.
 */
function isPlainAscii(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    if (!isPlainChar(raw.charCodeAt(i))) return false;
  }
  return true;
}

function normalizeEscaped(raw: string): SegmentResult {
  let canonical = '';
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charAt(i);
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return { ok: false, reason: 'invalid percent-encoding' };
      const byte = Number.parseInt(hex, 16);
      const forbidden = forbiddenEncodedByte(byte);
      if (forbidden !== null) return { ok: false, reason: forbidden };
      const char = String.fromCharCode(byte);
      canonical += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
      bytes.push(byte);
      i += 2;
      continue;
    }
    const code = ch.charCodeAt(0);
    const forbidden = forbiddenRawChar(code);
    if (forbidden !== null) return { ok: false, reason: forbidden };
    canonical += ch;
    bytes.push(code);
  }
  let decoded: string;
  try {
    decoded = utf8.decode(new Uint8Array(bytes));
  } catch {
    return { ok: false, reason: 'percent-encoded bytes are not valid UTF-8' };
  }
  // C1 controls (U+0080–U+009F) arrive as two encoded bytes that pass the byte check above.
  if (C1_CONTROL.test(decoded)) return { ok: false, reason: 'encoded control character' };
  if (decoded.includes('%') && ESCAPE_AFTER_DECODING.test(decoded)) {
    return { ok: false, reason: 'double percent-encoding (an escape such as %252e decodes to another escape)' };
  }
  const unicode = bytes.some((b) => b > 0x7f) ? unicodeProblem(decoded) : null;
  if (unicode !== null) return { ok: false, reason: unicode };
  return { ok: true, canonical, decoded };
}

/**
 * Non-ASCII text a backend could read as other text: compatibility forms that Unicode
 * normalisation folds (fullwidth `．．` → `..`, `／` → `/`, `ａｄｍｉｎ` → `admin`, NFD accents),
 * characters that case-map to ASCII (`ı`, `İ`, `ſ`, the Kelvin sign — Java's equalsIgnoreCase
 * reads `admın` as `admin`), digits of other scripts, and invisible ones. The proxy matched none of those readings, so
 * it refuses them.
 */
function unicodeProblem(decoded: string): string | null {
  if (decoded.normalize('NFKC') !== decoded) return 'text that Unicode normalisation (NFKC) would change, e.g. fullwidth or decomposed characters';
  if (IGNORABLE.test(decoded)) return 'an invisible (default-ignorable) Unicode character';
  if (NON_ASCII_DIGIT.test(decoded)) return 'a decimal digit other than 0-9 (e.g. "٣", "३"), which backends may read as one';
  for (const ch of decoded) {
    if (ch.charCodeAt(0) > 0x7f && (caseMapsToOneAscii(ch.toLowerCase()) || caseMapsToOneAscii(ch.toUpperCase()))) {
      return 'a non-ASCII character whose upper or lower case is an ASCII letter (e.g. "ı", "İ")';
    }
  }
  return null;
}

/** One ASCII letter (plus marks), as `İ` → `i̇`; `ß` → `SS` is a spelling, not a look-alike. */
function caseMapsToOneAscii(mapped: string): boolean {
  let ascii = 0;
  for (let i = 0; i < mapped.length; i++) if (mapped.charCodeAt(i) <= 0x7f) ascii++;
  return ascii === 1;
}

export function isDotSegment(decoded: string): boolean {
  return decoded === '.' || decoded === '..';
}
