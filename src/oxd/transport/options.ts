import { OxdError } from '../errors.js';

/** Refuses a count or duration that is not a positive integer (e.g. `timeout_ms = 0`). */
export function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OxdError('config_invalid', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}
