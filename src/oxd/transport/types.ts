import type { OxdLogger, OxdProtocol } from '../types.js';

/**
 * One way of carrying an oxd command to oxd-server and its answer back. Transports know the
 * framing, envelopes, token placement and HTTP status rules of their protocol; they know
 * nothing of what a command means.
 */
export interface OxdTransport {
  readonly protocol: OxdProtocol;
  /**
   * Sends one command (wire name, snake_case) and resolves to oxd's result object with any
   * `{status,data}` envelope removed. Rejects with an `OxdError`: oxd's own code when oxd
   * answered an error (`details` kept, e.g. need_info's ticket), or `oxd_unreachable`,
   * `oxd_timeout`, `oxd_bad_response`, `frame_too_large`.
   * `token` is the protection access token, placed as the protocol requires (socket: inside
   * params as `protection_access_token`; HTTP: `Authorization: Bearer`), or null for none.
   * `signal` ends the call early (before `timeoutMs`), cancelling the request in flight; the
   * call then rejects with the signal's reason when it is an `OxdError`, else `oxd_timeout`.
   */
  send(command: string, params: Readonly<Record<string, unknown>>, token: string | null, signal?: AbortSignal): Promise<unknown>;
  /** Releases sockets and pools; in-flight calls reject with `oxd_unreachable`. */
  close(): Promise<void>;
}

export interface SocketTransportOptions {
  readonly host: string;
  readonly port: number;
  /** Per-call deadline, connect included. */
  readonly timeoutMs: number;
  /** Connections kept for concurrent calls (one request in flight per connection). Default 4. */
  readonly poolSize?: number;
  readonly logger?: OxdLogger;
}

export interface HttpTransportOptions {
  readonly protocol: 'https-extension' | 'rest';
  /** Base URL ending in '/', e.g. https://oxd.example.org:8443/ */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Extra CA bundle (PEM) trusted besides the system CAs. */
  readonly caFile?: string;
  /** Disables certificate verification. Off by default; logged as a warning when on. */
  readonly insecureSkipTlsVerify?: boolean;
  readonly logger?: OxdLogger;
}
