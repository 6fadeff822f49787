/** The registration hash: equal hash ⇒ the set oxd holds needs no re-registration. */
import { createHash } from 'node:crypto';
import type { UmaResource } from '../oxd/types.js';

/** JSON with object keys sorted at every level, so key order in the file does not change the hash. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function registrationHash(registration: readonly UmaResource[]): string {
  return createHash('sha256').update(canonicalJson(registration)).digest('hex');
}
