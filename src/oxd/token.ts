/**
 * When oxd has refused the protection access token (the PAT oxd wants on protected commands),
 * which the client then drops and fetches anew (see common/token-holder.ts).
 */
import { OxdError } from './errors.js';

/**
 * oxd's codes for a protection token it does not accept (3.x params check, 4.x bearer check).
 * The insufficient-scope ones are included because a token stored by oxd-python may lack the
 * `oxd` scope, which a fresh token (asked with `openid oxd`) carries.
 */
const REJECTION_CODES: ReadonlySet<string> = new Set([
  'invalid_access_token',
  'inactive_access_token',
  'blank_access_token',
  'access_token_insufficient_scope',
  'invalid_protection_access_token',
  'inactive_protection_access_token',
  'blank_protection_access_token',
  'protection_access_token_insufficient_scope',
]);

/** Codes oxd answers with status 403 that are not about the token (docs/oxd-protocols.md). */
const FORBIDDEN_NOT_TOKEN: ReadonlySet<string> = new Set(['need_info', 'oxd_access_denied']);

/**
 * True when oxd refused the protection token: one of its token codes, or a 403 from an HTTP
 * oxd on a command that needs the token (4.0/4.1 answer a missing token with an empty 403, the
 * https-extension with its "Forbidden Access" 403).
 */
export function isTokenRejection(err: unknown): err is OxdError {
  if (!(err instanceof OxdError)) return false;
  if (REJECTION_CODES.has(err.code)) return true;
  return err.status === 403 && !FORBIDDEN_NOT_TOKEN.has(err.code);
}
