/**
 * Direct UMA 2.0 mode's settings (`--authz uma2`): the AS, the client, the dialect, how RPTs are
 * verified, where the registration state lives. Parsed like the rest of the serve options, every
 * problem reported at once; shared by `serve`, `protect` and `dev`. The client secret never comes
 * from a flag value (it would show in `ps`): a file, or `UMAGATE_CLIENT_SECRET`.
 */
import { readFileSync } from 'node:fs';
import { isLoopbackHost } from '../common/loopback.js';

export const AUTHZ_MODES = ['oxd', 'uma2'] as const;
export type AuthzMode = (typeof AUTHZ_MODES)[number];
export const DEFAULT_AUTHZ: AuthzMode = 'oxd';

export const AS_DIALECTS = ['auto', 'keycloak', 'janssen', 'strict'] as const;
export type AsDialectChoice = (typeof AS_DIALECTS)[number];
export const RPT_VERIFY_MODES = ['introspect', 'jwt'] as const;
export type RptVerifyMode = (typeof RPT_VERIFY_MODES)[number];

export const DEFAULT_UMA_STATE = '.umagate-state/uma-resources.json';
export const DEFAULT_UMA_REALM = 'rs';
/** Deadline of one call to the AS, in seconds. */
export const DEFAULT_AS_TIMEOUT_SECONDS = 5;
/** Where discovery lives below an issuer (UMA 2.0 Grant §2: appended, as OIDC does). */
export const UMA2_WELL_KNOWN = '/.well-known/uma2-configuration';

export interface Uma2Options {
  /** The discovery document's URL: issuer + UMA2_WELL_KNOWN, or --uma-discovery as given. */
  readonly discoveryUrl: URL;
  /** The issuer given with --issuer (the document's `issuer` must equal it), or null. */
  readonly issuer: string | null;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly dialect: AsDialectChoice;
  readonly rptVerify: RptVerifyMode;
  readonly stateFile: string;
  readonly realm: string;
  readonly resourceNamePrefix: string;
  readonly caFile: string | null;
  readonly insecureSkipTlsVerify: boolean;
  readonly allowHttpAs: boolean;
  readonly timeoutMs: number;
}

/** What callers may give (the CLI hands in strings; `clientSecret` only ever from the environment). */
export interface Uma2OptionsInput {
  readonly issuer?: string | undefined;
  readonly umaDiscovery?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientSecretFile?: string | undefined;
  /** The secret itself: from `UMAGATE_CLIENT_SECRET` or a programmatic caller, never a flag. */
  readonly clientSecret?: string | undefined;
  readonly asDialect?: string | undefined;
  readonly rptVerify?: string | undefined;
  readonly umaState?: string | undefined;
  readonly umaRealm?: string | undefined;
  readonly resourceNamePrefix?: string | undefined;
  readonly caFile?: string | undefined;
  readonly insecureSkipTlsVerify?: boolean | string | undefined;
  readonly allowHttpAs?: boolean | string | undefined;
  readonly asTimeout?: string | number | undefined;
}

/** The flag of each Uma2OptionsInput key, for "only in uma2 mode" problems. */
export const UMA2_FLAGS: { readonly [K in keyof Uma2OptionsInput]-?: string } = {
  issuer: '--issuer',
  umaDiscovery: '--uma-discovery',
  clientId: '--client-id',
  clientSecretFile: '--client-secret-file',
  clientSecret: 'UMAGATE_CLIENT_SECRET',
  asDialect: '--as-dialect',
  rptVerify: '--rpt-verify',
  umaState: '--uma-state',
  umaRealm: '--uma-realm',
  resourceNamePrefix: '--resource-name-prefix',
  caFile: '--ca-file',
  insecureSkipTlsVerify: '--insecure-skip-tls-verify',
  allowHttpAs: '--allow-http-as',
  asTimeout: '--as-timeout',
};

type Fail = (option: string, message: string) => void;

export function parseAuthzMode(value: string | undefined, fail: Fail): AuthzMode {
  const mode = value ?? DEFAULT_AUTHZ;
  if ((AUTHZ_MODES as readonly string[]).includes(mode)) return mode as AuthzMode;
  fail('--authz', `"${mode}" is not allowed: use oxd (through oxd, the default) or uma2 (straight to a UMA 2.0 server)`);
  return DEFAULT_AUTHZ;
}

/** In oxd mode: every direct-mode setting that was given is a mistake worth saying. */
export function refuseUma2Flags(input: Uma2OptionsInput, fail: Fail): void {
  for (const [key, flag] of Object.entries(UMA2_FLAGS) as [keyof Uma2OptionsInput, string][]) {
    // The secret may sit in the environment for either mode (a shared deployment template).
    if (key === 'clientSecret' || input[key] === undefined) continue;
    fail(flag, 'belongs to direct mode: add --authz uma2 (or UMAGATE_AUTHZ=uma2), or drop it');
  }
}

/** Parses the direct-mode settings, reporting problems through `fail`; null when unusable. */
export function parseUma2Options(input: Uma2OptionsInput, minTimeoutSeconds: number, fail: Fail): Uma2Options | null {
  const allowHttpAs = parseSwitch('--allow-http-as', input.allowHttpAs, fail);
  const insecureSkipTlsVerify = parseSwitch('--insecure-skip-tls-verify', input.insecureSkipTlsVerify, fail);
  const discovery = parseDiscovery(input, allowHttpAs, fail);
  const clientId = input.clientId ?? '';
  if (clientId.trim() === '') fail('--client-id', 'is required in direct mode: the AS client umagate authenticates as (a confidential client allowed uma_protection)');
  const clientSecret = readSecret(input, fail);
  const dialect = oneOf('--as-dialect', input.asDialect ?? 'auto', AS_DIALECTS, fail);
  const rptVerify = oneOf('--rpt-verify', input.rptVerify ?? 'introspect', RPT_VERIFY_MODES, fail);
  const realm = input.umaRealm ?? DEFAULT_UMA_REALM;
  if (!/^[\x21\x23-\x5b\x5d-\x7e ]+$/.test(realm)) fail('--uma-realm', `"${realm}" must be printable ASCII without " or \\ (it is quoted in WWW-Authenticate)`);
  const stateFile = input.umaState ?? DEFAULT_UMA_STATE;
  if (stateFile.trim() === '') fail('--uma-state', 'must name a file, e.g. .umagate-state/uma-resources.json');
  const timeoutText = input.asTimeout ?? DEFAULT_AS_TIMEOUT_SECONDS;
  const timeout = typeof timeoutText === 'number' ? timeoutText : timeoutText.trim() === '' ? Number.NaN : Number(timeoutText);
  if (!Number.isFinite(timeout) || timeout < minTimeoutSeconds) fail('--as-timeout', `"${String(timeoutText)}" is not a number >= ${minTimeoutSeconds}`);
  const caFile = input.caFile ?? null;
  if (caFile !== null) readable('--ca-file', caFile, fail);
  if (discovery === null || clientSecret === null || dialect === null || rptVerify === null || clientId.trim() === '') return null;
  return Object.freeze({
    discoveryUrl: discovery.url,
    issuer: discovery.issuer,
    clientId,
    clientSecret,
    dialect,
    rptVerify,
    stateFile,
    realm,
    resourceNamePrefix: input.resourceNamePrefix ?? '',
    caFile,
    insecureSkipTlsVerify,
    allowHttpAs,
    timeoutMs: Math.round(timeout * 1000),
  });
}

function parseDiscovery(input: Uma2OptionsInput, allowHttpAs: boolean, fail: Fail): { url: URL; issuer: string | null } | null {
  const { issuer, umaDiscovery } = input;
  if ((issuer === undefined) === (umaDiscovery === undefined)) {
    fail('--issuer', issuer === undefined ? 'or --uma-discovery is required in direct mode, e.g. --issuer https://kc.example.org/realms/demo' : 'and --uma-discovery are alternatives: give one');
    return null;
  }
  const flag = issuer === undefined ? '--uma-discovery' : '--issuer';
  const text = issuer ?? umaDiscovery ?? '';
  const url = URL.canParse(text) ? new URL(text) : null;
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    fail(flag, `"${text}" must be an http(s) URL without query, fragment or credentials`);
    return null;
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowHttpAs) {
    fail(flag, `"${text}" is plain HTTP off loopback: tokens and the client secret would travel in clear; use https, or --allow-http-as if you must`);
    return null;
  }
  if (issuer === undefined) return { url, issuer: null };
  // The issuer's path is kept: the well-known suffix is appended, not inserted (UMA 2.0 Grant §2).
  return { url: new URL(`${issuer.replace(/\/+$/, '')}${UMA2_WELL_KNOWN}`), issuer };
}

function readSecret(input: Uma2OptionsInput, fail: Fail): string | null {
  const { clientSecretFile, clientSecret } = input;
  if (clientSecretFile !== undefined && clientSecret !== undefined) {
    fail('--client-secret-file', 'and UMAGATE_CLIENT_SECRET are alternatives: give one');
    return null;
  }
  if (clientSecretFile === undefined) {
    if (clientSecret !== undefined && clientSecret !== '') return clientSecret;
    fail('--client-secret-file', 'or UMAGATE_CLIENT_SECRET is required in direct mode (the secret is never taken from a flag value, which `ps` would show)');
    return null;
  }
  const text = readable('--client-secret-file', clientSecretFile, fail);
  if (text === null) return null;
  // A trailing newline is what `echo` and most secret mounts add; it is not part of the secret.
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') {
    fail('--client-secret-file', `${clientSecretFile} is empty`);
    return null;
  }
  return secret;
}

function readable(flag: string, path: string, fail: Fail): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    fail(flag, `cannot read ${path} (${code})`);
    return null;
  }
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[], fail: Fail): T | null {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  fail(flag, `"${value}" is not allowed: use one of ${allowed.join(', ')}`);
  return null;
}

function parseSwitch(flag: string, value: boolean | string | undefined, fail: Fail): boolean {
  if (value === undefined || typeof value === 'boolean') return value ?? false;
  const text = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off', ''].includes(text)) return false;
  fail(flag, `"${value}" is not a switch value: use true or false`);
  return false;
}
