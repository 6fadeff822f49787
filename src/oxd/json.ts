/** A JSON object (not an array, not null), as oxd's answers and the CLI's JSON arguments hold them. */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The entries whose value is not undefined, so optional values are left out of the JSON (rather
 * than sent as null) and exactOptionalPropertyTypes holds at runtime too. `null` is kept.
 */
export function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

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
