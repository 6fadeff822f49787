/**
 * JSON text that is pure ASCII: every character above U+007F becomes a `\uXXXX` escape (astral
 * characters as their surrogate pair). oxd's socket framing counts UTF-16 code units while the
 * bytes travel as UTF-8; with nothing but ASCII on the wire the two counts agree.
 */
export function stringifyAscii(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError('value has no JSON representation');
  return json.replace(/[\u0080-\uffff]/g, escapeCodeUnit);
}

function escapeCodeUnit(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
