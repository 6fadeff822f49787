/** A JSON object (not an array, not null), as protocol answers and the CLI's JSON arguments hold them. */
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
