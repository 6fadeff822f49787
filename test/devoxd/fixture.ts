/**
 * Starts dev oxds for a test (closed when it ends) and speaks to them over each protocol with a
 * uniform shape, so one table can run against the socket, the https-extension and REST.
 */
import { expect, onTestFinished } from 'vitest';
import { startDevOxd, type DevOxd, type DevOxdOptions } from '../../src/devoxd/index.js';
import { restartablePort } from '../helpers/restartable-port.js';
import { bearer, post, SocketWire } from './wire.js';

export type Protocol = 'socket' | 'https-extension' | 'rest';
export const PROTOCOLS: readonly Protocol[] = ['socket', 'https-extension', 'rest'];

export async function devOxd(options: DevOxdOptions = {}): Promise<DevOxd> {
  const oxd = await startDevOxd({
    socketPort: await restartablePort(),
    restPort: await restartablePort(),
    httpsExtensionPort: await restartablePort(),
    ...options,
  });
  onTestFinished(() => oxd.close());
  return oxd;
}

export async function openSocket(oxd: DevOxd): Promise<SocketWire> {
  if (oxd.socketAddress === null) throw new Error('no socket listener');
  const wire = await SocketWire.open(oxd.socketAddress.port);
  onTestFinished(() => {
    wire.close();
  });
  return wire;
}

/** A reply reduced to what the tests compare: ok or not, HTTP status (200 on the socket), the payload. */
export interface Reply {
  readonly ok: boolean;
  readonly status: number;
  /** `data` of the 3.x envelope, or the bare 4.x body. */
  readonly data: Record<string, unknown>;
}

export type Call = (command: string, params: Record<string, unknown>) => Promise<Reply>;

function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function unwrap(envelope: unknown, status: number): Reply {
  const body = asRecord(envelope);
  return { ok: body['status'] === 'ok', status, data: asRecord(body['data']) };
}

/** Calls one protocol; `token` is sent as the Bearer header on the HTTP protocols. */
export async function caller(oxd: DevOxd, protocol: Protocol, token?: () => string | undefined): Promise<Call> {
  if (protocol === 'socket') {
    const wire = await openSocket(oxd);
    return async (command, params) => unwrap(await wire.call(command, params), 200);
  }
  const base = protocol === 'rest' ? oxd.restUrl : oxd.httpsExtensionUrl;
  if (base === null) throw new Error(`no ${protocol} listener`);
  return async (command, params) => {
    const value = token?.();
    const reply = await post(base, `/${command.replaceAll('_', '-')}`, params, value === undefined ? {} : bearer(value));
    if (protocol === 'https-extension' && reply.status === 200) return unwrap(reply.json, 200);
    // oxd's plain-text answers (400 Invalid parameters, the extension's 500s) keep their text.
    const data = typeof reply.json === 'object' && reply.json !== null ? asRecord(reply.json) : { text: reply.text };
    return { ok: reply.status === 200, status: reply.status, data };
  };
}

export interface Session {
  readonly call: Call;
  readonly oxdId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The protection token the session sends (an `oxd`-scoped client token). */
  readonly token: string;
}

/**
 * Registers a site the way a client of that protocol would (setup_client on 3.x, register_site on
 * 4.x; `registration` adds parameters), obtains an `oxd` token for its client and sends it with every later call.
 */
export async function session(oxd: DevOxd, protocol: Protocol, registration: Record<string, unknown> = {}): Promise<Session> {
  const auth: { token?: string } = {};
  const call = await caller(oxd, protocol, () => auth.token);
  const registered = protocol === 'rest'
    ? await call('register_site', { redirect_uris: ['https://app.example/cb'], ...registration })
    : await call('setup_client', { authorization_redirect_uri: 'https://app.example/cb', ...registration });
  if (!registered.ok) throw new Error(`registration failed: ${JSON.stringify(registered)}`);
  const oxdId = String(registered.data['oxd_id']);
  const clientId = String(registered.data['client_id']);
  const clientSecret = String(registered.data['client_secret']);
  const issued = await call('get_client_token', { client_id: clientId, client_secret: clientSecret, op_host: oxd.opHost, scope: ['openid', 'oxd'] });
  if (!issued.ok) throw new Error(`get_client_token failed: ${JSON.stringify(issued)}`);
  const token = String(issued.data['access_token']);
  auth.token = token;
  const withToken: Call = (command, params) =>
    call(command, protocol === 'rest' ? params : { protection_access_token: token, ...params });
  return { call: withToken, oxdId, clientId, clientSecret, token };
}

export const PHOTO = { path: '/photo', conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] };

// Asymmetric matchers typed as unknown, so that strict lint rules accept them inside expected objects.
export const anyString: unknown = expect.any(String);
export const anyNumber: unknown = expect.any(Number);
export function containing(text: string): unknown {
  return expect.stringContaining(text);
}
export function like(shape: Record<string, unknown>): unknown {
  return expect.objectContaining(shape);
}
