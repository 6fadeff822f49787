/**
 * Which oxd commands need the protection access token, per wire protocol
 * (docs/oxd-protocols.md, *Protection token, per protocol*).
 * - `none`: never sent (the commands that obtain credentials or a token).
 * - `if-held`: sent when the client holds one, as oxd-python does on the socket, where oxd checks
 *   it only with `protect_commands_with_access_token` on.
 * - `required`: obtained first when missing. The https-extension demands it on every endpoint but
 *   /setup-client and /get-client-token; oxd 4.0/4.1 on every command but register_site and
 *   get_client_token (4.2+ needs it on fewer, and ignores it where it does not).
 */
import type { OxdProtocol } from './types.js';

export type TokenPolicy = 'none' | 'if-held' | 'required';

/** The wire commands the client sends. */
export type OxdCommand =
  | 'setup_client'
  | 'get_client_token'
  | 'introspect_access_token'
  | 'register_site'
  | 'update_site'
  | 'remove_site'
  | 'get_authorization_url'
  | 'get_tokens_by_code'
  | 'get_access_token_by_refresh_token'
  | 'get_user_info'
  | 'get_logout_uri'
  | 'uma_rs_protect'
  | 'uma_rs_check_access'
  | 'introspect_rpt'
  | 'uma_rp_get_rpt'
  | 'uma_rp_get_claims_gathering_url'
  | 'get_rp';

const TOKENLESS: Readonly<Record<OxdProtocol, readonly OxdCommand[]>> = {
  socket: ['setup_client', 'get_client_token'],
  'https-extension': ['setup_client', 'get_client_token'],
  rest: ['register_site', 'get_client_token'],
};

export function tokenPolicy(protocol: OxdProtocol, command: OxdCommand): TokenPolicy {
  if (TOKENLESS[protocol].includes(command)) return 'none';
  return protocol === 'socket' ? 'if-held' : 'required';
}

/** Commands a protocol lacks: answered locally with `unsupported_operation`, never sent. */
export function isUnsupported(protocol: OxdProtocol, command: OxdCommand): boolean {
  // The https-extension exposes no /get-rp (docs/oxd-protocols.md); 4.x has no setup_client, which the
  // client maps to register_site before asking.
  return (protocol === 'https-extension' && command === 'get_rp') || (protocol === 'rest' && command === 'setup_client');
}
