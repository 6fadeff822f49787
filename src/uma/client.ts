/**
 * UmaClient: the UMA 2.0 protection API (FEDZ) and the uma-ticket grant (GRANT) spoken straight
 * to an authorization server — Keycloak, Janssen/Gluu 4 or any spec-conformant AS — without oxd.
 */
import { errorMessage } from '../errors.js';
import { loadCaBundle } from '../common/ca-bundle.js';
import { ProtectionToken, type IssuedToken } from '../common/token-holder.js';
import { badAnswer } from './answer.js';
import { clientAuth, type ClientAuth } from './client-auth.js';
import { detectDialect, discoveryUrl, readDiscovery } from './discovery.js';
import { UmaError } from './errors.js';
import { getRpt } from './grant.js';
import { AsHttp } from './http.js';
import { introspectRpt } from './introspection.js';
import { requestPat } from './pat.js';
import { createPermissionTicket } from './permissions.js';
import { ProtectionApi } from './protection.js';
import * as resources from './resources.js';
import type {
  AsDialect,
  PermissionRequest,
  RegisteredResource,
  ResourceDescription,
  RptIntrospection,
  RptRequest,
  RptGrantResult,
  RptVerification,
  UmaClientOptions,
  UmaDiscovery,
} from './types.js';
import { AsUrls } from './urls.js';

export const DEFAULT_AS_TIMEOUT_MS = 5000;
const DIALECTS: ReadonlySet<string> = new Set(['auto', 'keycloak', 'janssen', 'strict']);

interface Parts {
  readonly http: AsHttp;
  readonly discoveryUrl: URL;
  readonly discovery: UmaDiscovery;
  readonly dialect: AsDialect;
  readonly options: UmaClientOptions;
  readonly urls: AsUrls;
}

export class UmaClient {
  readonly discovery: UmaDiscovery;
  readonly dialect: AsDialect;
  /** The issuer the AS announces: `as_uri` of the UMA challenge, `iss` of its JWTs. */
  readonly issuer: string;
  readonly #http: AsHttp;
  readonly #discoveryUrl: URL;
  readonly #auth: ClientAuth;
  readonly #pat: ProtectionToken<IssuedToken>;
  readonly #api: ProtectionApi;
  readonly #resources: resources.ResourceContext;
  readonly #urls: AsUrls;
  readonly #verification: RptVerification;

  private constructor(parts: Parts) {
    const { http, discovery, dialect, options } = parts;
    this.discovery = discovery;
    this.dialect = dialect;
    this.issuer = discovery.issuer;
    this.#http = http;
    this.#discoveryUrl = parts.discoveryUrl;
    this.#urls = parts.urls;
    this.#verification = options.rptVerification ?? 'introspect';
    this.#auth = clientAuth(discovery, options);
    const tokenEndpoint = new URL(discovery.token_endpoint);
    const now = options.now ?? Date.now;
    this.#pat = new ProtectionToken({
      fetch: () => requestPat({ http, tokenEndpoint, auth: this.#auth, clientId: options.clientId, dialect }),
      onToken: () => Promise.resolve(),
      now,
      initial: null,
    });
    this.#api = new ProtectionApi(http, this.#pat, options.clientId);
    this.#resources = { api: this.#api, endpoint: new URL(discovery.resource_registration_endpoint), dialect, now };
  }

  /**
   * Reads the AS's discovery document and checks it names what the caller needs: the token,
   * resource registration and permission endpoints, and introspection (or `jwks_uri` when RPTs
   * are verified as JWTs). Gets no PAT yet.
   */
  static async discover(options: UmaClientOptions, signal?: AbortSignal): Promise<UmaClient> {
    checkOptions(options);
    const warn =
      options.onWarning ??
      ((message: string) => {
        process.emitWarning(message, { code: 'UMAGATE_INSECURE_AS' });
      });
    const urls = new AsUrls({ allowHttp: options.allowHttp === true, warn });
    const url = discoveryUrl(options, urls);
    const http = new AsHttp({ timeoutMs: options.timeoutMs ?? DEFAULT_AS_TIMEOUT_MS, ...tls(options, warn) });
    try {
      const answer = await http.request({ endpoint: 'discovery', method: 'GET', url }, signal);
      const discovery = readDiscovery(answer, options.issuer, options.rptVerification ?? 'introspect', urls);
      const dialect = options.dialect === undefined || options.dialect === 'auto' ? detectDialect(discovery) : options.dialect;
      return new UmaClient({ http, discoveryUrl: url, discovery, dialect, options, urls });
    } catch (err) {
      await http.close();
      throw err;
    }
  }

  /** A PAT, fetched (single-flight) when none is held or the held one is about to expire. */
  getPat(): Promise<string> {
    return this.#pat.get();
  }

  /** The ids of this client's resources (Keycloak: every page). */
  listResources(): Promise<string[]> {
    return resources.listResources(this.#resources);
  }

  getResource(id: string): Promise<RegisteredResource> {
    return resources.getResource(this.#resources, id);
  }

  /** The new resource's id. Keycloak's duplicate name rejects with code `resource_conflict`. */
  createResource(description: ResourceDescription): Promise<string> {
    return resources.createResource(this.#resources, description);
  }

  /** A complete replacement (FEDZ §3.2.3). */
  updateResource(id: string, description: ResourceDescription): Promise<void> {
    return resources.updateResource(this.#resources, id, description);
  }

  deleteResource(id: string): Promise<void> {
    return resources.deleteResource(this.#resources, id);
  }

  /** The id of this client's resource named exactly `name`, to adopt after a `resource_conflict`. */
  findResourceIdByName(name: string): Promise<string | undefined> {
    return resources.findResourceIdByName(this.#resources, name);
  }

  /** A fresh, single-use permission ticket for these permissions. */
  createPermissionTicket(requests: readonly PermissionRequest[]): Promise<string> {
    return createPermissionTicket(
      { api: this.#api, endpoint: new URL(this.discovery.permission_endpoint), dialect: this.dialect },
      requests,
    );
  }

  /** What the AS says of an RPT; `{active: false}` for an unknown, expired or revoked one. */
  introspectRpt(rpt: string): Promise<RptIntrospection> {
    const endpoint = this.discovery.introspection_endpoint;
    if (endpoint === undefined) {
      return Promise.reject(
        new UmaError('discovery_invalid', `the discovery document at ${this.#discoveryUrl.href} names no introspection endpoint: verify RPTs as JWTs instead`, {
          endpoint: 'introspection',
        }),
      );
    }
    return introspectRpt({ http: this.#http, api: this.#api, auth: this.#auth, endpoint: new URL(endpoint), dialect: this.dialect }, rpt);
  }

  /** The uma-ticket grant, as a requesting party: an RPT, or need_info / request_submitted / request_denied. */
  getRpt(request: RptRequest): Promise<RptGrantResult> {
    return getRpt({ http: this.#http, auth: this.#auth, endpoint: new URL(this.discovery.token_endpoint) }, request);
  }

  /** One GET of the discovery document: resolves when the AS answers it as it should. */
  async probe(signal?: AbortSignal): Promise<void> {
    const answer = await this.#http.request({ endpoint: 'discovery', method: 'GET', url: this.#discoveryUrl }, signal);
    if (answer.status !== 200) throw badAnswer(answer, 'its discovery document');
    readDiscovery(answer, this.issuer, this.#verification, this.#urls);
  }

  /** Releases the connections; later calls reject with `as_unreachable`. */
  close(): Promise<void> {
    return this.#http.close();
  }
}

function checkOptions(options: UmaClientOptions): void {
  if (options.clientId === '') throw new UmaError('config_invalid', 'the client id is empty: give the id of the resource server client at the AS');
  if (options.clientSecret === '') throw new UmaError('config_invalid', 'the client secret is empty: give the secret of the resource server client at the AS');
  if (options.dialect !== undefined && !DIALECTS.has(options.dialect)) {
    throw new UmaError('config_invalid', `unknown AS dialect ${JSON.stringify(options.dialect)}: use auto, keycloak, janssen or strict`);
  }
  const timeout = options.timeoutMs;
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 1)) {
    throw new UmaError('config_invalid', `timeoutMs must be a positive integer, got ${timeout}`);
  }
}

function tls(options: UmaClientOptions, warn: (message: string) => void): { ca?: readonly string[]; rejectUnauthorized: boolean } {
  const rejectUnauthorized = options.insecureSkipTlsVerify !== true;
  if (!rejectUnauthorized) {
    warn("TLS certificate verification for the AS is OFF (insecureSkipTlsVerify): anyone on the path can impersonate the AS and collect the client secret; trust the AS's CA with caFile instead");
  }
  if (options.caFile === undefined) return { rejectUnauthorized };
  const bundle = loadCaBundle(options.caFile);
  switch (bundle.kind) {
    case 'ok':
      return { ca: bundle.ca, rejectUnauthorized };
    case 'unreadable':
      throw new UmaError('config_invalid', `cannot read the AS CA file ${options.caFile}: ${errorMessage(bundle.cause)}`, { cause: bundle.cause });
    case 'not_pem':
      throw new UmaError('config_invalid', `the AS CA file ${options.caFile} holds no PEM certificate`);
  }
}
