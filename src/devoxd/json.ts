/** JSON values as the dev oxd builds and sends them. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON text in base64url, as the parts of a JWT. */
export function base64UrlJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JSON copy of a caller's object (values JSON cannot hold are dropped, as on the wire). */
export function jsonCopy(value: Readonly<Record<string, unknown>>): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/**
 * oxd 4.x writes its replies with a mapper that omits nulls, oxd 3.x writes every null. Replies are
 * built once with the 3.x nulls and stripped here for 4.x.
 */
export function withoutNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value as JsonObject)) {
    if (item !== null && item !== undefined) out[key] = withoutNulls(item);
  }
  return out;
}
