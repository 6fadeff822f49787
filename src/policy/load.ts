/** The policy engine's only I/O: reading the policy file. */
import { readFile } from 'node:fs/promises';
import { PolicyError } from './errors.js';
import { parsePolicy } from './parse.js';
import type { Policy } from './types.js';

/**
 * Reads and validates a policy file.
 * @throws PolicyError `policy_unreadable` (fs error as cause) or `policy_invalid`.
 */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'read failed';
    throw new PolicyError('policy_unreadable', `cannot read policy file ${file} (${reason})`, { cause: err });
  }
  return parsePolicy(text, file);
}
