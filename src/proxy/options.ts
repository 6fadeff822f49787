/**
 * Serve options: named defaults, then parsing, then validation collecting every problem, then a
 * frozen ServeOptions. The CLI hands in raw strings (flags > env > defaults are resolved by
 * commander); programmatic callers may hand in numbers and arrays.
 */
import { BlockList, isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { OptionsError, type OptionProblem } from './errors.js';
import { loadCaBundle } from '../common/ca-bundle.js';
import { errorMessage } from '../errors.js';
import { parseAuthzMode, parseUma2Options, refuseUma2Flags, type AuthzMode, type Uma2Options, type Uma2OptionsInput } from './uma2-options.js';

/** Policy file read when --policy is not given. */
export const DEFAULT_POLICY_FILE = 'policies.yaml';
/** oxd config file read when --oxd-config is not given (README, *The oxd config file*). */
export const DEFAULT_OXD_CONFIG = 'umagate.cfg';
export const DEFAULT_LISTEN = '0.0.0.0:8080';
export const DEFAULT_ADMIN_LISTEN = '0.0.0.0:9090';
export const DEFAULT_PASS_CREDENTIALS = 'pass';
/** Upper bound of a cached grant, in seconds. */
export const DEFAULT_CACHE_TTL_SECONDS = 60;
/** Grants kept at most (LRU beyond that). */
export const DEFAULT_CACHE_MAX = 10_000;
export const DEFAULT_LOG_LEVEL = 'info';
/** How long the backend may take to answer (as oauth2-proxy's upstream timeout). */
export const DEFAULT_UPSTREAM_TIMEOUT_SECONDS = 30;
/** Deadline of one oxd call, enforced by the proxy whatever the ini says. */
export const DEFAULT_OXD_TIMEOUT_SECONDS = 5;
/**
 * oxd-bound requests (no cached grant) one client may have running or waiting, counted apart for
 * requests with and without a token; the next one is answered 429 (oxd-capacity.ts).
 */
export const DEFAULT_OXD_PER_CLIENT = 16;
/**
 * Client connections the traffic listener holds at once; the next one is closed as soon as it is
 * accepted. Idle keep-alive sockets count too, so a client opening thousands of them cannot run
 * the process out of file descriptors (keep it under `ulimit -n`, minus the backend's and oxd's).
 */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** How long SIGTERM waits for in-flight requests before cutting them. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
/** Traffic processes: 1 serves in this process; more (or `auto`, one per core) use node:cluster. */
export const DEFAULT_WORKERS = '1';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface ServeOptions {
  readonly policyFile: string;
  /** oxd (the default) or uma2 (direct mode: the UMA 2.0 protection API, no oxd). */
  readonly authz: AuthzMode;
  /** Direct mode's settings; null in oxd mode. */
  readonly uma2: Uma2Options | null;
  readonly oxdConfig: string;
  readonly upstream: URL;
  /** The certificates an https:// upstream is checked against (public roots plus --upstream-ca-file); null: Node's defaults. */
  readonly upstreamCa: readonly string[] | null;
  readonly listen: ListenAddress;
  readonly adminListen: ListenAddress;
  readonly passCredentials: 'pass' | 'hide';
  readonly cacheTtlSeconds: number;
  readonly cacheMax: number;
  /** The CIDRs as given, for the boot log. */
  readonly trustProxy: readonly string[];
  readonly trustedPeers: BlockList;
  readonly logLevel: LogLevel;
  readonly upstreamTimeoutMs: number;
  readonly oxdTimeoutMs: number;
  readonly oxdPerClient: number;
  readonly maxConnections: number;
  readonly shutdownGraceMs: number;
  /** Traffic workers; 1 means no cluster (the process serves traffic itself). */
  readonly workers: number;
}

/** What callers may give; every field but `upstream` (and direct mode's AS and client) has a default. */
export interface ServeOptionsInput extends Uma2OptionsInput {
  readonly policy?: string | undefined;
  readonly authz?: string | undefined;
  readonly oxdConfig?: string | undefined;
  readonly upstream?: string | undefined;
  readonly upstreamCaFile?: string | undefined;
  readonly listen?: string | undefined;
  readonly adminListen?: string | undefined;
  readonly passCredentials?: string | undefined;
  readonly cacheTtl?: string | number | undefined;
  readonly cacheMax?: string | number | undefined;
  readonly trustProxy?: string | readonly string[] | undefined;
  readonly logLevel?: string | undefined;
  readonly upstreamTimeout?: string | number | undefined;
  readonly oxdTimeout?: string | number | undefined;
  readonly oxdPerClient?: string | number | undefined;
  readonly maxConnections?: string | number | undefined;
  readonly shutdownGrace?: string | number | undefined;
  /** A count, or `auto` for one per available core. */
  readonly workers?: string | number | undefined;
}

/**
 * The programmatic tuning `startProxy` also takes (tests and embedders; no flag sets them).
 * Checked with the rest, so a breaker that could never open (threshold 0) is refused at start.
 */
export interface TuningInput {
  readonly breaker?: { readonly failureThreshold?: number; readonly probeIntervalMs?: number };
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** The shortest deadline accepted, in seconds: anything shorter would round to 0 ms. */
export const MIN_TIMEOUT_SECONDS = 0.001;

export function resolveServeOptions(input: ServeOptionsInput & TuningInput): ServeOptions {
  const problems: OptionProblem[] = [];
  const fail = (option: string, message: string): void => {
    problems.push({ option, message });
  };

  const upstream = parseUpstream(input.upstream, fail);
  const upstreamCa = parseUpstreamCa(input.upstreamCaFile, upstream, fail);
  const { authz, uma2 } = parseMode(input, fail);
  const listen = parseListen('--listen', input.listen ?? DEFAULT_LISTEN, fail);
  const adminListen = parseListen('--admin-listen', input.adminListen ?? DEFAULT_ADMIN_LISTEN, fail);
  const passCredentials = input.passCredentials ?? DEFAULT_PASS_CREDENTIALS;
  if (passCredentials !== 'pass' && passCredentials !== 'hide') {
    fail('--pass-credentials', `"${passCredentials}" is not allowed: use pass or hide`);
  }
  const cacheTtlSeconds = parseNumber('--cache-ttl', input.cacheTtl ?? DEFAULT_CACHE_TTL_SECONDS, { min: 0, integer: false }, fail);
  const cacheMax = parseNumber('--cache-max', input.cacheMax ?? DEFAULT_CACHE_MAX, { min: 1, integer: true }, fail);
  const upstreamTimeout = parseNumber('--upstream-timeout', input.upstreamTimeout ?? DEFAULT_UPSTREAM_TIMEOUT_SECONDS, { min: MIN_TIMEOUT_SECONDS, integer: false }, fail);
  const oxdTimeoutMs = parseOxdTimeoutMs(input.oxdTimeout, fail);
  const oxdPerClient = parseNumber('--oxd-per-client', input.oxdPerClient ?? DEFAULT_OXD_PER_CLIENT, { min: 1, integer: true }, fail);
  const maxConnections = parseNumber('--max-connections', input.maxConnections ?? DEFAULT_MAX_CONNECTIONS, { min: 1, integer: true }, fail);
  const shutdownGrace = parseNumber('--shutdown-grace', input.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE_SECONDS, { min: 0, integer: false }, fail);
  const workers = parseWorkers(input.workers ?? DEFAULT_WORKERS, fail);
  const logLevel = input.logLevel ?? DEFAULT_LOG_LEVEL;
  if (!isLogLevel(logLevel)) fail('--log-level', `"${logLevel}" is not allowed: use one of ${LOG_LEVELS.join(', ')}`);
  const { cidrs, blockList } = parseTrustProxy(input.trustProxy, fail);
  checkTuning(input, fail);

  if (problems.length > 0 || upstream === null || listen === null || adminListen === null || !isLogLevel(logLevel)) {
    throw new OptionsError(problems);
  }
  return Object.freeze({
    policyFile: input.policy ?? DEFAULT_POLICY_FILE,
    authz,
    uma2,
    oxdConfig: input.oxdConfig ?? DEFAULT_OXD_CONFIG,
    upstream,
    upstreamCa,
    listen,
    adminListen,
    passCredentials: passCredentials === 'hide' ? 'hide' : 'pass',
    cacheTtlSeconds,
    cacheMax,
    trustProxy: Object.freeze(cidrs),
    trustedPeers: blockList,
    logLevel,
    upstreamTimeoutMs: Math.round(upstreamTimeout * 1000),
    oxdTimeoutMs,
    oxdPerClient,
    maxConnections,
    shutdownGraceMs: Math.round(shutdownGrace * 1000),
    workers,
  });
}

/** Records one problem with an option; the caller reports them all together. */
export type Fail = (option: string, message: string) => void;

/** `--oxd-timeout` (seconds, default 5) as milliseconds; serve and protect share it. */
export function parseOxdTimeoutMs(value: string | number | undefined, fail: Fail): number {
  return Math.round(parseNumber('--oxd-timeout', value ?? DEFAULT_OXD_TIMEOUT_SECONDS, { min: MIN_TIMEOUT_SECONDS, integer: false }, fail) * 1000);
}

function checkTuning(input: TuningInput, fail: Fail): void {
  const positiveInteger = (option: string, value: number | undefined): void => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) fail(option, `${value} is not a positive integer`);
  };
  positiveInteger('breaker.failureThreshold', input.breaker?.failureThreshold);
  positiveInteger('breaker.probeIntervalMs', input.breaker?.probeIntervalMs);
  positiveInteger('headersTimeoutMs', input.headersTimeoutMs);
  positiveInteger('requestTimeoutMs', input.requestTimeoutMs);
}

/** The authorization mode and its own settings; the other mode's flags are problems, not silently ignored. */
export function parseMode(
  input: Uma2OptionsInput & { readonly authz?: string | undefined; readonly oxdConfig?: string | undefined; readonly oxdTimeout?: string | number | undefined },
  fail: Fail,
): { authz: AuthzMode; uma2: Uma2Options | null } {
  const authz = parseAuthzMode(input.authz, fail);
  if (authz === 'oxd') {
    refuseUma2Flags(input, fail);
    return { authz, uma2: null };
  }
  if (input.oxdConfig !== undefined) fail('--oxd-config', 'belongs to oxd mode: direct mode (--authz uma2) takes no ini; drop it');
  if (input.oxdTimeout !== undefined) fail('--oxd-timeout', 'belongs to oxd mode: in direct mode the deadline is --as-timeout');
  return { authz, uma2: parseUma2Options(input, MIN_TIMEOUT_SECONDS, fail) };
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function parseUpstream(value: string | undefined, fail: Fail): URL | null {
  if (value === undefined || value === '') {
    fail('--upstream', 'is required: the base URL of the backend, e.g. http://127.0.0.1:3000');
    return null;
  }
  if (!URL.canParse(value)) {
    fail('--upstream', `"${value}" is not a URL: give e.g. http://127.0.0.1:3000`);
    return null;
  }
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail('--upstream', `"${value}" must use http:// or https://`);
    return null;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    fail('--upstream', `"${value}" may hold a path but no query, fragment or credentials`);
    return null;
  }
  return url;
}

/** `--upstream-ca-file`: a private CA (or self-signed certificate) for an https:// backend. */
function parseUpstreamCa(file: string | undefined, upstream: URL | null, fail: Fail): readonly string[] | null {
  if (file === undefined || file === '') return null;
  if (upstream !== null && upstream.protocol !== 'https:') {
    fail('--upstream-ca-file', `applies to an https:// upstream only, and --upstream is ${upstream.href}`);
    return null;
  }
  const bundle = loadCaBundle(file);
  switch (bundle.kind) {
    case 'ok':
      return bundle.ca;
    case 'unreadable':
      fail('--upstream-ca-file', `cannot read ${file}: ${errorMessage(bundle.cause)}`);
      return null;
    case 'not_pem':
      fail('--upstream-ca-file', `${file} holds no PEM certificate`);
      return null;
  }
}

/** Accepts `host:port`, `[v6]:port`, `:port` and `port` (all interfaces). */
function parseListen(option: string, value: string, fail: Fail): ListenAddress | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):?(\d+)$/.exec(value.includes(':') ? value : `:${value}`);
  const portText = match?.[3];
  const host = match?.[1] ?? match?.[2];
  const port = portText === undefined ? Number.NaN : Number(portText);
  if (match === null || host === undefined || !Number.isInteger(port) || port < 0 || port > 65_535) {
    fail(option, `"${value}" is not host:port (e.g. 127.0.0.1:8080, [::1]:8080, :8080; port 0 picks a free port)`);
    return null;
  }
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function parseNumber(option: string, value: string | number, rule: { min: number; integer: boolean }, fail: Fail): number {
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || n < rule.min || (rule.integer && !Number.isInteger(n))) {
    fail(option, `"${String(value)}" is not ${rule.integer ? 'an integer' : 'a number'} >= ${rule.min}`);
    return rule.min;
  }
  return n;
}

function parseWorkers(value: string | number, fail: Fail): number {
  if (typeof value === 'string' && value.trim() === 'auto') return availableParallelism();
  return parseNumber('--workers', value, { min: 1, integer: true }, fail);
}

function parseTrustProxy(value: string | readonly string[] | undefined, fail: Fail): { cidrs: string[]; blockList: BlockList } {
  const items = (typeof value === 'string' ? value.split(',') : (value ?? [])).map((s) => s.trim()).filter((s) => s !== '');
  const blockList = new BlockList();
  const cidrs: string[] = [];
  for (const item of items) {
    const [address = '', prefixText] = item.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      fail('--trust-proxy', `"${item}" is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)`);
      continue;
    }
    blockList.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    cidrs.push(`${address}/${prefix}`);
  }
  return { cidrs, blockList };
}

/** Whether a peer address (as Node reports it, IPv4-mapped forms included) is a trusted proxy. */
export function isTrustedPeer(options: Pick<ServeOptions, 'trustedPeers' | 'trustProxy'>, address: string | undefined): boolean {
  if (address === undefined || options.trustProxy.length === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return options.trustedPeers.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return options.trustedPeers.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
