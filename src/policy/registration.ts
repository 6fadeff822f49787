/** The registration hash: equal hash ⇒ the set oxd holds needs no re-registration. */
import { createHash } from 'node:crypto';
import type { UmaResource } from '../oxd/types.js';

/**
 * JSON with object keys sorted at every level, so key order does not change the text (the
 * registration hash here; the registrar's comparison with what oxd holds).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  // `?? null`: an undefined (only possible in oxd's answers, never in a validated policy) is text too.
  return JSON.stringify(value ?? null);
}

export function registrationHash(registration: readonly UmaResource[]): string {
  return createHash('sha256').update(canonicalJson(registration)).digest('hex');
}
