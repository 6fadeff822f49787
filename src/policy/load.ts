/** The policy engine's only I/O: reading the policy file (for every command and the proxy). */
import { readFile } from 'node:fs/promises';
import { errorCode } from '../errors.js';
import { PolicyError } from './errors.js';
import { parsePolicyAsync } from './parse.js';
import type { Policy } from './types.js';

/**
 * The policy file's text, for callers that look at it before parsing (the proxy skips a reload
 * whose text is unchanged).
 * @throws PolicyError `policy_unreadable`, the fs error as cause.
 */
export async function readPolicyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new PolicyError('policy_unreadable', `cannot read policy file ${file} (${errorCode(err) ?? 'read failed'})`, { cause: err });
  }
}

/**
 * Reads and validates a policy file.
 * @throws PolicyError `policy_unreadable` (fs error as cause) or `policy_invalid`.
 */
export async function loadPolicy(file: string): Promise<Policy> {
  return parsePolicyAsync(await readPolicyFile(file), file);
}
