import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { OxdClient } from '../../oxd/client.js';
import { errorMessage, isUmagateError } from '../../errors.js';
import { OxdError } from '../../oxd/errors.js';
import { defined, isRecord } from '../../common/json.js';
import type { OxdLogger, UmaCondition, UmaResource } from '../../oxd/types.js';
import { DEFAULT_OXD_CONFIG } from '../../proxy/options.js';
import { oxdConfigFlag } from '../shared-flags.js';

/**
 * `umagate oxd COMMAND [--param value …]`: every OxdClient method from the shell. Prints the
 * result as JSON on stdout (exit 0); need_info from uma-rp-get-rpt is printed too but exits 3
 * so scripts can branch on it; any failure prints `{code, message}` on stderr and exits 1.
 */

const EXIT_NEED_INFO = 3;
const EXIT_ERROR = 1;

type ParamKind = 'string' | 'list' | 'number' | 'flag' | 'json-object' | 'resources';

interface ParamSpec {
  /** kebab-case flag name without dashes. */
  readonly flag: string;
  readonly kind: ParamKind;
  readonly required?: boolean;
  readonly description: string;
}

/** Parsed option values as commander stores them (camelCase keys). */
type Values = Readonly<Record<string, unknown>>;

interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly params: readonly ParamSpec[];
  readonly run: (client: OxdClient, v: Values) => Promise<unknown>;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function usageError(message: string): OxdError {
  return new OxdError('invalid_argument', message);
}

function str(v: Values, flag: string): string | undefined {
  const value = v[camel(flag)];
  return typeof value === 'string' ? value : undefined;
}

function need(v: Values, flag: string): string {
  const value = str(v, flag);
  if (value === undefined) throw usageError(`--${flag} is required`);
  return value;
}

function list(v: Values, flag: string): string[] | undefined {
  const value = v[camel(flag)];
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : undefined;
}

function num(v: Values, flag: string): number | undefined {
  const value = v[camel(flag)];
  return typeof value === 'number' ? value : undefined;
}

function flag(v: Values, name: string): boolean {
  return v[camel(name)] === true;
}

/** JSON given inline, or `@file` to read it from a file. */
async function readJsonArgument(flagName: string, raw: string): Promise<unknown> {
  const text = raw.startsWith('@') ? await readFile(raw.slice(1), 'utf8').catch((err: unknown) => {
    throw usageError(`--${flagName}: cannot read ${raw.slice(1)} (${(err as Error).message})`);
  }) : raw;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw usageError(`--${flagName}: not valid JSON (${(err as Error).message})`);
  }
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === 'string');
}

function toCondition(value: unknown, where: string): UmaCondition {
  if (!isRecord(value) || !isStringList(value['httpMethods'])) throw usageError(`--resources: ${where} needs "httpMethods" (a list of strings)`);
  for (const key of ['scopes', 'ticketScopes'] as const) {
    if (value[key] !== undefined && !isStringList(value[key])) throw usageError(`--resources: ${where}.${key} must be a list of strings`);
  }
  const expression = value['scope_expression'];
  if (expression !== undefined && !(isRecord(expression) && isStringList(expression['data']))) {
    throw usageError(`--resources: ${where}.scope_expression needs "rule" and "data" (a list of strings)`);
  }
  // Passed through as written: oxd (not the CLI) is the judge of conditions.
  return value as unknown as UmaCondition;
}

function toResources(value: unknown): UmaResource[] {
  if (!Array.isArray(value)) throw usageError('--resources must be a JSON list of resources');
  return value.map((resource: unknown, i) => {
    if (!isRecord(resource) || typeof resource['path'] !== 'string' || !Array.isArray(resource['conditions'])) {
      throw usageError(`--resources: resource ${i} needs "path" (a string) and "conditions" (a list)`);
    }
    resource['conditions'].forEach((c: unknown, j) => toCondition(c, `resource ${i} condition ${j}`));
    return resource as unknown as UmaResource;
  });
}

async function customParams(v: Values): Promise<Record<string, string> | undefined> {
  const raw = str(v, 'custom-params');
  if (raw === undefined) return undefined;
  const value = await readJsonArgument('custom-params', raw);
  if (!isRecord(value) || !Object.values(value).every((s) => typeof s === 'string')) {
    throw usageError('--custom-params must be a JSON object of strings');
  }
  return value as Record<string, string>;
}

const SCOPE: ParamSpec = { flag: 'scope', kind: 'list', description: 'scopes' };

const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'setup-client',
    description: 'register the client (oxd 4.x: register_site) and write back id and credentials',
    params: [],
    run: (c) => c.setupClient(),
  },
  {
    name: 'get-client-token',
    description: 'obtain a client token (default scopes openid,oxd) and write it back as protection_access_token',
    params: [
      { flag: 'client-id', kind: 'string', description: 'default: [client] client_id' },
      { flag: 'client-secret', kind: 'string', description: 'default: [client] client_secret' },
      { flag: 'op-host', kind: 'string', description: 'default: [client] op_host' },
      { flag: 'op-discovery-path', kind: 'string', description: 'discovery path at the OP' },
      { ...SCOPE, description: 'scopes (default openid,oxd)' },
      { flag: 'authentication-method', kind: 'string', description: 'e.g. private_key_jwt' },
      { flag: 'algorithm', kind: 'string', description: 'signing algorithm' },
      { flag: 'key-id', kind: 'string', description: 'signing key id' },
    ],
    run: (c, v) =>
      c.getClientToken(
        defined({
          clientId: str(v, 'client-id'),
          clientSecret: str(v, 'client-secret'),
          opHost: str(v, 'op-host'),
          opDiscoveryPath: str(v, 'op-discovery-path'),
          scope: list(v, 'scope'),
          authenticationMethod: str(v, 'authentication-method'),
          algorithm: str(v, 'algorithm'),
          keyId: str(v, 'key-id'),
        }),
      ),
  },
  {
    name: 'introspect-access-token',
    description: 'introspect an access token at the AS',
    params: [{ flag: 'access-token', kind: 'string', required: true, description: 'the token' }],
    run: (c, v) => c.introspectAccessToken(need(v, 'access-token')),
  },
  {
    name: 'register-site',
    description: 'register the site unless [oxd] id is set; writes back the oxd id',
    params: [{ flag: 'force', kind: 'flag', description: 'register even when an oxd id is set' }],
    run: (c, v) => c.registerSite({ force: flag(v, 'force') }),
  },
  {
    name: 'update-site-registration',
    description: 'update the registered site from the config (update_site)',
    params: [{ flag: 'client-secret-expires-at', kind: 'number', description: 'epoch seconds' }],
    run: (c, v) => c.updateSiteRegistration(defined({ clientSecretExpiresAt: num(v, 'client-secret-expires-at') })),
  },
  {
    name: 'remove-site',
    description: 'remove the site from oxd and clear [oxd] id',
    params: [],
    run: (c) => c.removeSite(),
  },
  {
    name: 'get-authorization-url',
    description: 'the OpenID Connect authorization URL',
    params: [
      { flag: 'acr-values', kind: 'list', description: 'acr values' },
      { flag: 'prompt', kind: 'string', description: 'e.g. login' },
      SCOPE,
      { flag: 'custom-params', kind: 'json-object', description: 'JSON object (or @file) of extra parameters' },
    ],
    run: async (c, v) =>
      c.getAuthorizationUrl(
        defined({ acrValues: list(v, 'acr-values'), prompt: str(v, 'prompt'), scope: list(v, 'scope'), customParams: await customParams(v) }),
      ),
  },
  {
    name: 'get-tokens-by-code',
    description: 'exchange an authorization code for tokens',
    params: [
      { flag: 'code', kind: 'string', required: true, description: 'authorization code' },
      { flag: 'state', kind: 'string', required: true, description: 'state from the redirect' },
    ],
    run: (c, v) => c.getTokensByCode(need(v, 'code'), need(v, 'state')),
  },
  {
    name: 'get-access-token-by-refresh-token',
    description: 'refresh an access token',
    params: [{ flag: 'refresh-token', kind: 'string', required: true, description: 'the refresh token' }, SCOPE],
    run: (c, v) => c.getAccessTokenByRefreshToken(need(v, 'refresh-token'), defined({ scope: list(v, 'scope') })),
  },
  {
    name: 'get-user-info',
    description: "the user's claims",
    params: [{ flag: 'access-token', kind: 'string', required: true, description: 'the user access token' }],
    run: (c, v) => c.getUserInfo(need(v, 'access-token')),
  },
  {
    name: 'get-logout-uri',
    description: 'the OpenID Connect logout URI',
    params: [
      { flag: 'id-token-hint', kind: 'string', description: 'id token' },
      { flag: 'post-logout-redirect-uri', kind: 'string', description: 'where to return' },
      { flag: 'state', kind: 'string', description: 'state' },
      { flag: 'session-state', kind: 'string', description: 'session state' },
    ],
    run: (c, v) =>
      c.getLogoutUri(
        defined({
          idTokenHint: str(v, 'id-token-hint'),
          postLogoutRedirectUri: str(v, 'post-logout-redirect-uri'),
          state: str(v, 'state'),
          sessionState: str(v, 'session-state'),
        }),
      ),
  },
  {
    name: 'uma-rs-protect',
    description: 'register UMA resources',
    params: [
      { flag: 'resources', kind: 'resources', required: true, description: 'JSON list of resources, or @file' },
      { flag: 'overwrite', kind: 'flag', description: 'replace every registered resource' },
    ],
    run: async (c, v) =>
      c.umaRsProtect(toResources(await readJsonArgument('resources', need(v, 'resources'))), { overwrite: flag(v, 'overwrite') }),
  },
  {
    name: 'uma-rs-check-access',
    description: 'ask whether an RPT grants access (no --rpt: obtain a ticket)',
    params: [
      { flag: 'rpt', kind: 'string', description: 'the RPT (omit for none)' },
      { flag: 'path', kind: 'string', required: true, description: 'the protected path as registered' },
      { flag: 'http-method', kind: 'string', required: true, description: 'e.g. GET' },
    ],
    run: (c, v) => c.umaRsCheckAccess(str(v, 'rpt') ?? null, need(v, 'path'), need(v, 'http-method')),
  },
  {
    name: 'introspect-rpt',
    description: 'introspect an RPT',
    params: [{ flag: 'rpt', kind: 'string', required: true, description: 'the RPT' }],
    run: (c, v) => c.introspectRpt(need(v, 'rpt')),
  },
  {
    name: 'uma-rp-get-rpt',
    description: `turn a ticket into an RPT (need_info: printed, exit ${EXIT_NEED_INFO})`,
    params: [
      { flag: 'ticket', kind: 'string', required: true, description: 'permission ticket' },
      { flag: 'claim-token', kind: 'string', description: 'pushed claim token' },
      { flag: 'claim-token-format', kind: 'string', description: 'its format URI' },
      { flag: 'pct', kind: 'string', description: 'persisted claims token' },
      { flag: 'rpt', kind: 'string', description: 'RPT to upgrade' },
      SCOPE,
      { flag: 'state', kind: 'string', description: 'state after claims gathering' },
    ],
    run: (c, v) =>
      c.umaRpGetRpt(
        need(v, 'ticket'),
        defined({
          claimToken: str(v, 'claim-token'),
          claimTokenFormat: str(v, 'claim-token-format'),
          pct: str(v, 'pct'),
          rpt: str(v, 'rpt'),
          scope: list(v, 'scope'),
          state: str(v, 'state'),
        }),
      ),
  },
  {
    name: 'uma-rp-get-claims-gathering-url',
    description: 'the claims-gathering URL for a ticket',
    params: [{ flag: 'ticket', kind: 'string', required: true, description: 'permission ticket' }],
    run: (c, v) => c.umaRpGetClaimsGatheringUrl(need(v, 'ticket')),
  },
  {
    name: 'get-rp',
    description: 'what oxd holds for the site (oxd 3.1.4+ socket, 4.x)',
    params: [],
    run: (c) => c.getRp(),
  },
];

function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

function parseNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('not a whole number');
  return Number(value);
}

function option(spec: ParamSpec): Option {
  const made = baseOption(spec);
  return spec.required === true ? made.makeOptionMandatory() : made;
}

function baseOption(spec: ParamSpec): Option {
  const suffix = spec.required === true ? ' (required)' : '';
  switch (spec.kind) {
    case 'flag':
      return new Option(`--${spec.flag}`, spec.description);
    case 'list':
      return new Option(`--${spec.flag} <items>`, `${spec.description}, comma-separated or repeated${suffix}`).argParser(collectList);
    case 'number':
      return new Option(`--${spec.flag} <n>`, `${spec.description}${suffix}`).argParser(parseNumber);
    case 'string':
    case 'json-object':
    case 'resources':
      return new Option(`--${spec.flag} <value>`, `${spec.description}${suffix}`);
  }
}

function usage(spec: CommandSpec): string {
  const parts = spec.params.map((p) => {
    const term = p.kind === 'flag' ? `--${p.flag}` : `--${p.flag} <${p.kind === 'list' ? 'items' : 'value'}>`;
    return p.required === true ? term : `[${term}]`;
  });
  return parts.join(' ');
}

/**
 * Warnings (a token kept in memory only, an insecure TLS setting) go to stderr as JSON lines, like
 * the error itself, so stderr stays machine-readable; the CLI is quiet otherwise.
 */
const stderrLogger: OxdLogger = {
  warn: (_fields, msg) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', message: msg ?? '' })}\n`);
  },
  info: () => undefined,
  debug: () => undefined,
};

function printError(err: unknown): void {
  const body = isUmagateError(err) ? { code: err.code, message: err.message } : { code: 'internal_error', message: errorMessage(err) };
  process.stderr.write(`${JSON.stringify(body)}\n`);
}

function isNeedInfo(result: unknown): boolean {
  return typeof result === 'object' && result !== null && 'error' in result && result.error === 'need_info';
}

async function execute(spec: CommandSpec, values: Values): Promise<void> {
  const configPath = str(values, 'oxd-config') ?? DEFAULT_OXD_CONFIG;
  let client: OxdClient | undefined;
  try {
    client = await OxdClient.fromConfigFile(configPath, { logger: stderrLogger });
    const result = await spec.run(client, values);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (isNeedInfo(result)) process.exitCode = EXIT_NEED_INFO;
  } catch (err) {
    printError(err);
    process.exitCode = EXIT_ERROR;
  } finally {
    await client?.close();
  }
}

export function registerOxdCommand(program: Command): void {
  const oxd = program
    .command('oxd')
    .description(
      'Call any oxd command with the settings of the oxd config file (--oxd-config FILE on every command, ' +
        `env UMAGATE_OXD_CONFIG, default ${DEFAULT_OXD_CONFIG}).\n` +
        'Prints the JSON result on stdout (exit 0); need_info is printed with exit 3; a failure prints ' +
        '{"code","message"} on stderr (exit 1).',
    )
    // List each command's parameters under its description, so `umagate oxd --help` is a reference.
    .configureHelp({
      subcommandTerm: (cmd) => cmd.name(),
      subcommandDescription: (cmd) => (cmd.usage() === '' ? cmd.description() : `${cmd.description()}\n  ${cmd.usage()}`),
    });
  for (const spec of COMMANDS) {
    const command = new Command(spec.name).description(spec.description).usage(`${usage(spec)} [--oxd-config <file>]`.trim());
    for (const param of spec.params) command.addOption(option(param));
    command.addOption(oxdConfigFlag('oxd config file'));
    command.action(async (values: Values) => {
      await execute(spec, values);
    });
    oxd.addCommand(command);
  }
}
