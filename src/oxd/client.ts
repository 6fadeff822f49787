/**
 * `OxdClient`: oxd-python's `Client` in TypeScript. One async method per oxd command, typed
 * results, the protection token handled behind the scenes, and the ini written back the way
 * oxd-python does (oxd id, client credentials, protection token).
 */
import { OxdError } from './errors.js';
import { isUnsupported, tokenPolicy, type OxdCommand } from './commands.js';
import { OxdConfigFile, DEFAULT_SOCKET_HOST, DEFAULT_SOCKET_PORT, DEFAULT_TIMEOUT_MS, type OxdConfig } from './config.js';
import type { IniUpdates } from './config-write.js';
import { defined } from '../common/json.js';
import {
  needInfoFromError,
  parseCheckAccess,
  parseClientRegistration,
  parseIntrospection,
  parseRpInfo,
  parseRpt,
  parseRptIntrospection,
  parseSite,
  parseStringField,
  parseToken,
  parseTokensByCode,
  parseUserInfo,
} from './results.js';
import { CLIENT_LIST_KEYS, CLIENT_SCALAR_KEYS, clientStateFromSettings, settingsFromClientState, type ClientState } from './settings.js';
import { ProtectionToken } from '../common/token-holder.js';
import { isTokenRejection } from './token.js';
import { createHttpTransport } from './transport/http.js';
import { createSocketTransport } from './transport/socket.js';
import type { OxdTransport } from './transport/types.js';
import type {
  AuthorizationUrlOptions,
  CheckAccessResult,
  ClientRegistration,
  GetClientTokenOptions,
  IntrospectionResult,
  LogoutUriOptions,
  OxdCallOptions,
  OxdClientOptions,
  OxdLogger,
  OxdProtocol,
  RegisterSiteOptions,
  RpInfo,
  RptIntrospectionResult,
  SiteResult,
  TokenResult,
  TokensByCodeResult,
  UmaResource,
  UmaRpGetRptOptions,
  UmaRpGetRptResult,
  UmaRsProtectOptions,
  UpdateSiteOptions,
} from './types.js';

type Params = Record<string, unknown>;

/** Scopes asked for the protection token unless told otherwise; oxd 4.x requires `oxd`. */
export const DEFAULT_CLIENT_TOKEN_SCOPE: readonly string[] = ['openid', 'oxd'];

/** oxd-python sends "python"; oxd only records it. */
const PROGRAMMING_LANGUAGE = 'javascript';

function createTransport(options: OxdClientOptions, timeoutMs: number): OxdTransport {
  const logger = options.logger === undefined ? {} : { logger: options.logger };
  if (options.protocol === 'socket') {
    return createSocketTransport({
      host: options.host ?? DEFAULT_SOCKET_HOST,
      port: options.port ?? DEFAULT_SOCKET_PORT,
      timeoutMs,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...logger,
    });
  }
  return createHttpTransport({
    protocol: options.protocol,
    baseUrl: options.baseUrl,
    timeoutMs,
    ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
    ...(options.insecureSkipTlsVerify === undefined ? {} : { insecureSkipTlsVerify: options.insecureSkipTlsVerify }),
    ...logger,
  });
}

function optionsFromConfig(config: OxdConfig, extra: FromConfigFileOptions): OxdClientOptions {
  const common = {
    oxdId: config.oxdId,
    client: settingsFromClientState(config.client),
    timeoutMs: config.timeoutMs,
    ...(extra.logger === undefined ? {} : { logger: extra.logger }),
    ...(extra.now === undefined ? {} : { now: extra.now }),
  };
  if (config.protocol === 'socket') {
    return { ...common, protocol: 'socket', host: config.host, port: config.port, ...(extra.poolSize === undefined ? {} : { poolSize: extra.poolSize }) };
  }
  return {
    ...common,
    protocol: config.protocol,
    baseUrl: config.baseUrl ?? config.host,
    insecureSkipTlsVerify: config.insecureSkipTlsVerify,
    ...(config.caFile === null ? {} : { caFile: config.caFile }),
  };
}

export interface FromConfigFileOptions {
  readonly logger?: OxdLogger;
  /** Socket protocol: connections kept for concurrent calls (default 4); HTTP pools have no cap. */
  readonly poolSize?: number;
  /** Clock in milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
}

export class OxdClient {
  readonly protocol: OxdProtocol;
  readonly #transport: OxdTransport;
  readonly #tokens: ProtectionToken<TokenResult>;
  readonly #logger: OxdLogger | undefined;
  readonly #now: () => number;
  readonly #client: ClientState;
  #oxdId: string | null;
  #configFile: OxdConfigFile | null = null;
  /** The last explicit getClientToken's parameters, reused for refreshes. */
  #tokenParams: GetClientTokenOptions = {};

  constructor(options: OxdClientOptions) {
    this.protocol = options.protocol;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#client = clientStateFromSettings(options.client ?? {});
    this.#oxdId = options.oxdId === undefined || options.oxdId === '' ? null : options.oxdId;
    this.#transport = createTransport(options, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#tokens = new ProtectionToken({
      fetch: () => this.#requestClientToken(this.#tokenParams),
      onToken: (token) => this.#storeProtectionToken(token),
      now: this.#now,
      initial: this.#client.scalars.protection_access_token ?? null,
    });
  }

  /** Reads an oxd-python compatible ini file; ids, credentials and tokens are written back to it. */
  static async fromConfigFile(path: string, options: FromConfigFileOptions = {}): Promise<OxdClient> {
    const file = await OxdConfigFile.load(path);
    const client = new OxdClient(optionsFromConfig(file.config, options));
    client.#configFile = file;
    return client;
  }

  /** The registered site's oxd id, or null before registration. */
  get oxdId(): string | null {
    return this.#oxdId;
  }

  // ---- site registration ----

  /**
   * Registers the client. oxd 3.1.x: `setup_client`. oxd 4.x has no setup_client: its
   * `register_site` returns the client credentials, so that is sent instead. Either way the
   * oxd id and credentials are written back as oxd-python does.
   */
  async setupClient(call: OxdCallOptions = {}): Promise<ClientRegistration> {
    return this.#register(this.protocol === 'rest' ? 'register_site' : 'setup_client', call.signal);
  }

  /** Registers the site unless an oxd id is already held (as oxd-python), or when `force` is set. */
  async registerSite(options: RegisterSiteOptions = {}): Promise<ClientRegistration> {
    if (this.#oxdId !== null && options.force !== true) return { oxd_id: this.#oxdId };
    return this.#register('register_site', options.signal);
  }

  async updateSiteRegistration(options: UpdateSiteOptions = {}): Promise<SiteResult> {
    const params = {
      ...this.#registrationParams('update_site'),
      oxd_id: this.#requireOxdId(),
      ...defined({ client_secret_expires_at: options.clientSecretExpiresAt }),
    };
    return parseSite(await this.#call('update_site', params), 'update_site');
  }

  /** Removes the site from oxd and clears `[oxd] id`; returns the removed oxd id. */
  async removeSite(): Promise<string> {
    const oxdId = this.#requireOxdId();
    await this.#assertWritable();
    const removed = parseSite(await this.#call('remove_site', { oxd_id: oxdId }), 'remove_site').oxd_id;
    this.#oxdId = null;
    await this.#persist({ oxd: { id: '' } });
    return removed;
  }

  /** What oxd holds for the site (`get_rp`; oxd 3.1.4+ socket and 4.x, not the https-extension). */
  async getRp(call: OxdCallOptions = {}): Promise<RpInfo> {
    return parseRpInfo(await this.#call('get_rp', { oxd_id: this.#requireOxdId() }, call.signal), 'get_rp');
  }

  // ---- tokens ----

  /**
   * Obtains a client token (scopes `openid oxd` unless given), which becomes the protection
   * token sent with later commands and is written back as `protection_access_token`.
   */
  async getClientToken(options: GetClientTokenOptions = {}): Promise<TokenResult> {
    const obtainedAt = this.#now();
    const result = await this.#requestClientToken(options);
    this.#tokenParams = options;
    await this.#tokens.accept(result, obtainedAt);
    return result;
  }

  async introspectAccessToken(accessToken: string): Promise<IntrospectionResult> {
    const params = { oxd_id: this.#requireOxdId(), access_token: accessToken };
    return parseIntrospection(await this.#call('introspect_access_token', params), 'introspect_access_token');
  }

  // ---- OpenID Connect ----

  async getAuthorizationUrl(options: AuthorizationUrlOptions = {}): Promise<string> {
    const params = {
      oxd_id: this.#requireOxdId(),
      ...defined({ scope: options.scope, acr_values: options.acrValues, prompt: options.prompt, custom_parameters: options.customParams }),
    };
    return parseStringField(await this.#call('get_authorization_url', params), 'authorization_url', 'get_authorization_url');
  }

  async getTokensByCode(code: string, state: string): Promise<TokensByCodeResult> {
    const params = { oxd_id: this.#requireOxdId(), code, state };
    return parseTokensByCode(await this.#call('get_tokens_by_code', params), 'get_tokens_by_code');
  }

  async getAccessTokenByRefreshToken(refreshToken: string, options: { readonly scope?: readonly string[] } = {}): Promise<TokenResult> {
    const params = { oxd_id: this.#requireOxdId(), refresh_token: refreshToken, ...defined({ scope: options.scope }) };
    return parseToken(await this.#call('get_access_token_by_refresh_token', params), 'get_access_token_by_refresh_token');
  }

  /**
   * The user's claims: on oxd 3.1.x (socket, https-extension) the `claims` object, each value a
   * list of strings (`{sub: ['alice']}`); on oxd 4.x (REST) the userinfo JSON as the AS sent it
   * (`{sub: 'alice', email_verified: true}`). The values are not reshaped between the two.
   */
  async getUserInfo(accessToken: string): Promise<Readonly<Record<string, unknown>>> {
    const params = { oxd_id: this.#requireOxdId(), access_token: accessToken };
    return parseUserInfo(await this.#call('get_user_info', params), 'get_user_info', this.protocol === 'rest' ? 4 : 3);
  }

  async getLogoutUri(options: LogoutUriOptions = {}): Promise<string> {
    const params = {
      oxd_id: this.#requireOxdId(),
      ...defined({
        id_token_hint: options.idTokenHint,
        post_logout_redirect_uri: options.postLogoutRedirectUri,
        state: options.state,
        session_state: options.sessionState,
      }),
    };
    return parseStringField(await this.#call('get_logout_uri', params), 'uri', 'get_logout_uri');
  }

  // ---- UMA resource server ----

  /** Registers the resources; `overwrite` replaces every resource held for the oxd id. */
  async umaRsProtect(resources: readonly UmaResource[], options: UmaRsProtectOptions = {}): Promise<SiteResult> {
    const params: Params = { oxd_id: this.#requireOxdId(), resources };
    // oxd-python sends overwrite only when true; oxd before 3.1.3 does not know the field.
    if (options.overwrite === true) params['overwrite'] = true;
    return parseSite(await this.#call('uma_rs_protect', params, options.signal), 'uma_rs_protect');
  }

  /** `rpt` null (no token presented) is sent as JSON null, as oxd-python does; oxd then issues a ticket. */
  async umaRsCheckAccess(rpt: string | null, path: string, httpMethod: string, call: OxdCallOptions = {}): Promise<CheckAccessResult> {
    const params = { oxd_id: this.#requireOxdId(), rpt, path, http_method: httpMethod };
    return parseCheckAccess(await this.#call('uma_rs_check_access', params, call.signal), 'uma_rs_check_access');
  }

  async introspectRpt(rpt: string, call: OxdCallOptions = {}): Promise<RptIntrospectionResult> {
    const params = { oxd_id: this.#requireOxdId(), rpt };
    return parseRptIntrospection(await this.#call('introspect_rpt', params, call.signal), 'introspect_rpt');
  }

  // ---- UMA requesting party ----

  /** The RPT, or need_info as a typed result (not a throw), as oxd-python returns it. */
  async umaRpGetRpt(ticket: string, options: UmaRpGetRptOptions = {}): Promise<UmaRpGetRptResult> {
    const params = {
      oxd_id: this.#requireOxdId(),
      ticket,
      ...defined({
        claim_token: options.claimToken,
        claim_token_format: options.claimTokenFormat,
        pct: options.pct,
        rpt: options.rpt,
        scope: options.scope,
        state: options.state,
      }),
    };
    try {
      return parseRpt(await this.#call('uma_rp_get_rpt', params), 'uma_rp_get_rpt');
    } catch (err) {
      if (err instanceof OxdError && err.code === 'need_info') return needInfoFromError(err, 'uma_rp_get_rpt');
      throw err;
    }
  }

  /** The claims-gathering URL; `claims_redirect_uri` comes from the config (its first item). */
  async umaRpGetClaimsGatheringUrl(ticket: string): Promise<string> {
    const redirect = this.#client.lists.claims_redirect_uri?.[0];
    if (redirect === undefined) throw this.#missing('client', 'claims_redirect_uri', 'uma_rp_get_claims_gathering_url');
    const params = { oxd_id: this.#requireOxdId(), ticket, claims_redirect_uri: redirect };
    return parseStringField(await this.#call('uma_rp_get_claims_gathering_url', params), 'url', 'uma_rp_get_claims_gathering_url');
  }

  /** Releases connections; calls still in flight reject with `oxd_unreachable`. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  // ---- internals ----

  /**
   * Sends one command with the protection token its protocol wants. When oxd rejects the token,
   * a new one is obtained and the command retried once; a second failure surfaces. `signal`
   * cancels the request in flight (a token refresh on the way keeps its own `timeout_ms`).
   */
  async #call(command: OxdCommand, params: Params, signal?: AbortSignal): Promise<unknown> {
    if (isUnsupported(this.protocol, command)) {
      throw new OxdError('unsupported_operation', `${command} is not available over the ${this.protocol} protocol`, { command });
    }
    const policy = tokenPolicy(this.protocol, command);
    const token = policy === 'required' || (policy === 'if-held' && this.#tokens.held) ? await this.#tokens.get() : null;
    try {
      return await this.#transport.send(command, params, token, signal);
    } catch (err) {
      if (policy === 'none' || !isTokenRejection(err)) throw err;
      this.#tokens.reject(token);
      this.#logger?.info({ command, code: err.code }, 'oxd refused the protection token; obtaining a new one');
      return this.#transport.send(command, params, await this.#tokens.get(), signal);
    }
  }

  async #requestClientToken(options: GetClientTokenOptions): Promise<TokenResult> {
    const scalars = this.#client.scalars;
    const clientId = options.clientId ?? scalars.client_id;
    const clientSecret = options.clientSecret ?? scalars.client_secret;
    if (clientId === undefined || clientSecret === undefined) {
      throw new OxdError(
        'config_invalid',
        `${this.#source()}: [client] client_id and client_secret are needed for get_client_token; run setup-client (or register-site on oxd 4.x) first`,
      );
    }
    const params = {
      client_id: clientId,
      client_secret: clientSecret,
      scope: options.scope ?? DEFAULT_CLIENT_TOKEN_SCOPE,
      ...defined({
        op_host: options.opHost ?? scalars.op_host,
        op_discovery_path: options.opDiscoveryPath,
        authentication_method: options.authenticationMethod,
        algorithm: options.algorithm,
        key_id: options.keyId,
      }),
    };
    return parseToken(await this.#call('get_client_token', params), 'get_client_token');
  }

  async #register(command: 'setup_client' | 'register_site', signal: AbortSignal | undefined): Promise<ClientRegistration> {
    await this.#assertWritable();
    const result = parseClientRegistration(await this.#call(command, this.#registrationParams(command), signal), command);
    await this.#storeRegistration(result);
    return result;
  }

  /**
   * oxd-python's registration parameters: the redirect URI plus every `[client]` value set. oxd
   * 4.x knows neither `authorization_redirect_uri` nor `post_logout_redirect_uri` in
   * register_site/update_site (it ignores them and refuses a site without `redirect_uris`), so on
   * REST they also travel as its one-item lists.
   */
  #registrationParams(command: OxdCommand): Params {
    const redirect = this.#client.scalars.authorization_redirect_uri;
    if (redirect === undefined) throw this.#missing('client', 'authorization_redirect_uri', command);
    const params: Params = { authorization_redirect_uri: redirect, oxd_rp_programming_language: PROGRAMMING_LANGUAGE };
    for (const key of CLIENT_SCALAR_KEYS) {
      const value = this.#client.scalars[key];
      if (value !== undefined) params[key] = value;
    }
    for (const key of CLIENT_LIST_KEYS) {
      const value = this.#client.lists[key];
      if (value !== undefined) params[key] = value;
    }
    if (this.protocol === 'rest') {
      params['redirect_uris'] = [redirect];
      const logout = this.#client.scalars.post_logout_redirect_uri;
      if (logout !== undefined) params['post_logout_redirect_uris'] = [logout];
    }
    return params;
  }

  async #storeRegistration(result: ClientRegistration): Promise<void> {
    this.#oxdId = result.oxd_id;
    // The keys oxd-python writes back after setup_client; register_site on 4.x returns them too.
    const client: Record<string, string> = {};
    const fields = {
      client_id: result.client_id,
      client_secret: result.client_secret,
      client_registration_access_token: result.client_registration_access_token,
      client_registration_client_uri: result.client_registration_client_uri,
      client_id_issued_at: result.client_id_issued_at === undefined ? undefined : String(result.client_id_issued_at),
    } as const;
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || value === '') continue;
      client[key] = value;
      this.#client.scalars[key as keyof typeof fields] = value;
    }
    // An empty section of updates writes nothing, not even its header.
    await this.#persist({ oxd: { id: result.oxd_id }, client });
  }

  /**
   * The protection token is a cache oxd can always reissue: when the file cannot take it, the
   * token is still used from memory and a warning says so (a read-only config keeps working).
   */
  async #storeProtectionToken(token: TokenResult): Promise<void> {
    this.#client.scalars.protection_access_token = token.access_token;
    try {
      await this.#persist({ client: { protection_access_token: token.access_token } });
    } catch (err) {
      if (!(err instanceof OxdError && err.code === 'config_not_writable')) throw err;
      this.#logger?.warn({ err }, 'protection token kept in memory only: the oxd config file is not writable');
    }
  }

  async #persist(updates: IniUpdates): Promise<void> {
    await this.#configFile?.update(updates);
  }

  /** Checked before oxd creates anything, so a read-only config never leaves an orphaned site. */
  async #assertWritable(): Promise<void> {
    await this.#configFile?.assertWritable();
  }

  #requireOxdId(): string {
    if (this.#oxdId === null) {
      throw new OxdError('config_invalid', `${this.#source()}: [oxd] id is empty; run register-site (or setup-client) first`);
    }
    return this.#oxdId;
  }

  #missing(section: string, key: string, command: string): OxdError {
    return new OxdError('config_invalid', `${this.#source()}: [${section}] ${key} is required for ${command}`, { command });
  }

  #source(): string {
    return this.#configFile?.path ?? 'OxdClient options';
  }
}
