/**
 * Reads command parameters from untrusted JSON the way oxd's Jackson binding does: unknown keys are
 * ignored, a missing key is absent, and a value of the wrong type makes the whole command
 * "malformed" (oxd cannot deserialize it).
 */
import { isJsonObject } from './json.js';

export class MalformedParams extends Error {
  override readonly name = 'MalformedParams';
}

export interface Params {
  readonly raw: Readonly<Record<string, unknown>>;
  /** A string, or undefined when absent or null. Numbers and booleans are coerced as Jackson does. */
  string(name: string): string | undefined;
  /** A non-blank string, or undefined. */
  nonBlank(name: string): string | undefined;
  strings(name: string): readonly string[] | undefined;
  boolean(name: string): boolean | undefined;
  object(name: string): Readonly<Record<string, unknown>> | undefined;
  /** A JSON object bound to `Map<String, String>`: scalar values become strings. */
  stringMap(name: string): Readonly<Record<string, string>> | undefined;
  list(name: string): readonly unknown[] | undefined;
}

export function readParams(value: unknown): Params {
  if (!isJsonObject(value)) throw new MalformedParams('params must be a JSON object');
  return paramsOf(value);
}

/** Jackson binds a JSON scalar to a String field as its text; arrays and objects do not bind. */
function scalarText(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new MalformedParams(`${name} must be a string`);
}

export function paramsOf(raw: Readonly<Record<string, unknown>>): Params {
  const string = (name: string): string | undefined => {
    const v = raw[name];
    if (v === undefined || v === null) return undefined;
    return scalarText(v, name);
  };
  return {
    raw,
    string,
    nonBlank: (name) => {
      const v = string(name);
      return v === undefined || v.trim() === '' ? undefined : v;
    },
    strings: (name) => {
      const v = raw[name];
      if (v === undefined || v === null) return undefined;
      if (!Array.isArray(v) || !v.every((item) => typeof item === 'string')) throw new MalformedParams(`${name} must be a list of strings`);
      return v;
    },
    boolean: (name) => {
      const v = raw[name];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw new MalformedParams(`${name} must be a boolean`);
    },
    object: (name) => {
      const v = raw[name];
      if (v === undefined || v === null) return undefined;
      if (!isJsonObject(v)) throw new MalformedParams(`${name} must be an object`);
      return v;
    },
    stringMap: (name) => {
      const v = raw[name];
      if (v === undefined || v === null) return undefined;
      if (!isJsonObject(v)) throw new MalformedParams(`${name} must be an object`);
      return Object.fromEntries(Object.entries(v).map(([key, item]) => [key, scalarText(item, `${name}.${key}`)]));
    },
    list: (name) => {
      const v = raw[name];
      if (v === undefined || v === null) return undefined;
      if (!Array.isArray(v)) throw new MalformedParams(`${name} must be a list`);
      return v as unknown[];
    },
  };
}

