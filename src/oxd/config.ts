/**
 * The oxd config file: oxd-python's ini plus umagate's keys (protocol, timeout_ms, ca_file,
 * insecure_skip_tls_verify). Reading turns it into a typed `OxdConfig`; `OxdConfigFile.update`
 * writes values back the way oxd-python does, but keeping every other byte of the file.
 *
 * oxd-python quirks fixed here (the README's "oxd-python quirks fixed" lists them):
 * - `https_extension = false|0|no|off` or empty means off (oxd-python: any non-empty value is on);
 * - list items are trimmed and empty items dropped (oxd-python keeps " b" from "a, b");
 * - `protocol` wins over `https_extension`;
 * - values are literal: no `%` interpolation.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorCode } from '../errors.js';
import { OxdError } from './errors.js';
import { applyIniUpdates, type IniUpdates } from './config-write.js';
import { assertWritable, writeFileAtomic } from './atomic-write.js';
import { iniValue, parseIniText, type IniDocument } from './ini-text.js';
import { CLIENT_LIST_KEYS, CLIENT_OTHER_KEYS, CLIENT_SCALAR_KEYS, type ClientState } from './settings.js';
import type { OxdProtocol } from './types.js';

export const DEFAULT_SOCKET_HOST = 'localhost';
export const DEFAULT_SOCKET_PORT = 8099;
export const DEFAULT_TIMEOUT_MS = 5000;
/** Largest delay setTimeout honours. */
const MAX_TIMEOUT_MS = 2_147_483_647;
const PROTOCOLS: readonly OxdProtocol[] = ['socket', 'https-extension', 'rest'];

export interface OxdConfig {
  readonly protocol: OxdProtocol;
  /** Socket protocol: host name and port. */
  readonly host: string;
  readonly port: number;
  /** HTTP protocols: `host` made a base URL (https:// added when no scheme, ending in '/'). */
  readonly baseUrl: string | null;
  readonly oxdId: string | null;
  readonly timeoutMs: number;
  /** Resolved against the config file's directory. */
  readonly caFile: string | null;
  readonly insecureSkipTlsVerify: boolean;
  readonly client: ClientState;
}

/** Collects what is wrong with the `[oxd]` values, so one error lists them all. */
type Report = (key: string, problem: string) => void;

/** Empty values count as absent, as in oxd-python (which tests truthiness). */
function get(doc: IniDocument, section: string, key: string): string | undefined {
  const value = iniValue(doc, section, key);
  return value === '' ? undefined : value;
}

const OFF = new Set(['false', '0', 'no', 'off']);
const ON = new Set(['true', '1', 'yes', 'on']);

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseProtocol(doc: IniDocument, report: Report): OxdProtocol {
  const explicit = get(doc, 'oxd', 'protocol');
  if (explicit !== undefined) {
    const protocol = PROTOCOLS.find((p) => p === explicit.toLowerCase());
    if (protocol === undefined) report('protocol', `"${explicit}" is not one of ${PROTOCOLS.join(', ')}`);
    return protocol ?? 'socket';
  }
  const extension = get(doc, 'oxd', 'https_extension');
  // oxd-python compatibility: any value other than an explicit "off" turns the extension on.
  return extension !== undefined && !OFF.has(extension.toLowerCase()) ? 'https-extension' : 'socket';
}

function parsePort(doc: IniDocument, report: Report): number {
  const raw = get(doc, 'oxd', 'port');
  if (raw === undefined) return DEFAULT_SOCKET_PORT;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) report('port', `"${raw}" is not a port number (1-65535)`);
  return port;
}

function parseTimeout(doc: IniDocument, report: Report): number {
  const raw = get(doc, 'oxd', 'timeout_ms');
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) report('timeout_ms', `"${raw}" is not a positive number of milliseconds`);
  return ms;
}

function parseStrictBoolean(doc: IniDocument, key: string, report: Report): boolean {
  const raw = get(doc, 'oxd', key);
  if (raw === undefined) return false;
  if (ON.has(raw.toLowerCase())) return true;
  if (!OFF.has(raw.toLowerCase())) report(key, `"${raw}" is not true or false`);
  return false;
}

/** oxd-python: "https://" is added when no scheme is given and a trailing "/" is ensured. */
function baseUrlFromHost(host: string): string | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  let url: URL;
  try {
    url = new URL(withScheme.endsWith('/') ? withScheme : `${withScheme}/`);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.search !== '' || url.hash !== '') return null;
  return url.href;
}

function parseHost(doc: IniDocument, protocol: OxdProtocol, report: Report): { host: string; baseUrl: string | null } {
  const host = get(doc, 'oxd', 'host') ?? DEFAULT_SOCKET_HOST;
  if (protocol === 'socket') {
    if (host.includes('/')) report('host', `"${host}" is a URL; the socket protocol needs a host name (set protocol for HTTP)`);
    return { host, baseUrl: null };
  }
  const baseUrl = baseUrlFromHost(host);
  if (baseUrl === null) report('host', `"${host}" is not an http(s) base URL`);
  return { host, baseUrl };
}

function parseClient(doc: IniDocument): ClientState {
  const state: ClientState = { scalars: {}, lists: {} };
  for (const key of [...CLIENT_SCALAR_KEYS, ...CLIENT_OTHER_KEYS]) {
    const value = get(doc, 'client', key);
    if (value !== undefined) state.scalars[key] = value;
  }
  for (const key of CLIENT_LIST_KEYS) {
    const value = get(doc, 'client', key);
    const list = value === undefined ? [] : parseList(value);
    if (list.length > 0) state.lists[key] = list;
  }
  return state;
}

/**
 * Parses the text of an oxd config file; `file` names it in error messages and anchors ca_file.
 * Every bad `[oxd]` value is reported in one `config_invalid` (its `details` lists them); the
 * result is frozen.
 */
export function parseOxdConfig(text: string, file: string): OxdConfig {
  const doc = parseIniText(text, file);
  const problems: string[] = [];
  const report: Report = (key, problem) => {
    problems.push(`[oxd] ${key}: ${problem}`);
  };
  const protocol = parseProtocol(doc, report);
  const { host, baseUrl } = parseHost(doc, protocol, report);
  const caFile = get(doc, 'oxd', 'ca_file');
  const config: OxdConfig = {
    protocol,
    host,
    port: parsePort(doc, report),
    baseUrl,
    oxdId: get(doc, 'oxd', 'id') ?? null,
    timeoutMs: parseTimeout(doc, report),
    caFile: caFile === undefined ? null : resolve(dirname(file), caFile),
    insecureSkipTlsVerify: parseStrictBoolean(doc, 'insecure_skip_tls_verify', report),
    client: freezeClient(parseClient(doc)),
  };
  if (problems.length === 1) throw new OxdError('config_invalid', `${file}: ${problems[0] ?? ''}`, { details: problems });
  if (problems.length > 1) {
    const message = `${file}: ${problems.length} problems in the oxd config file:\n  ${problems.join('\n  ')}`;
    throw new OxdError('config_invalid', message, { details: problems });
  }
  return Object.freeze(config);
}

function freezeClient(state: ClientState): ClientState {
  for (const list of Object.values(state.lists)) Object.freeze(list);
  return Object.freeze({ scalars: Object.freeze(state.scalars), lists: Object.freeze(state.lists) });
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = errorCode(err) ?? 'unreadable';
    throw new OxdError('config_invalid', `${path}: cannot read the oxd config file (${reason})`, { cause: err });
  }
}

/** Write-backs to one file are chained, so two updates in one process never race. */
const writeQueues = new Map<string, Promise<void>>();

/** An oxd config file on disk: its parsed values and the write-back of ids and tokens. */
export class OxdConfigFile {
  readonly path: string;
  #config: OxdConfig;

  private constructor(path: string, config: OxdConfig) {
    this.path = path;
    this.#config = config;
  }

  /** Reads and validates the file; `config_invalid` names the file, section and key at fault. */
  static async load(path: string): Promise<OxdConfigFile> {
    const absolute = resolve(path);
    return new OxdConfigFile(absolute, parseOxdConfig(await readText(absolute), absolute));
  }

  /** The values as last read or written. */
  get config(): OxdConfig {
    return this.#config;
  }

  /** Throws `config_not_writable` unless a write-back could succeed; call before creating state oxd-side. */
  async assertWritable(): Promise<void> {
    await assertWritable(this.path);
  }

  /**
   * Sets the given keys, re-reading the file first so edits made since loading are kept.
   * Nothing is written when every value is already in place (a read-only file then stays fine).
   */
  update(updates: IniUpdates): Promise<void> {
    const previous = writeQueues.get(this.path) ?? Promise.resolve();
    const next = previous.then(
      () => this.#write(updates),
      () => this.#write(updates),
    );
    writeQueues.set(this.path, next);
    void next.finally(() => {
      if (writeQueues.get(this.path) === next) writeQueues.delete(this.path);
    }).catch(() => undefined);
    return next;
  }

  async #write(updates: IniUpdates): Promise<void> {
    const text = await readText(this.path);
    const updated = applyIniUpdates(text, updates, this.path);
    if (updated !== text) await writeFileAtomic(this.path, updated);
    this.#config = parseOxdConfig(updated, this.path);
  }
}
