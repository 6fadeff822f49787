/**
 * Starts the dev UMA 2.0 AS: the dev oxd's in-memory authorization server (clients, tokens,
 * tickets, RPTs) behind the standard UMA 2.0 endpoints, over plain HTTP on loopback.
 */
import { randomUUID } from 'node:crypto';
import { AuthorizationServer, tokenControls } from '../devoxd/authorization-server.js';
import { DEFAULT_DEMANDED_CLAIM } from '../devoxd/claim-demands.js';
import { FaultTable } from '../devoxd/faults.js';
import { Listener } from '../devoxd/listener.js';
import type { ClientFlags, DevAsContext } from './exchange.js';
import { profileFor } from './profile.js';
import { ResourceRegistry } from './registry.js';
import { CallLog, createDevAsServer } from './server.js';
import { RptSigner } from './signer.js';
import type { DevAs, DevAsFault, DevAsOptions } from './types.js';

export const DEFAULT_DEV_AS_REALM = 'umagate';
/** Keycloak's documented PAT lifetime. */
export const DEFAULT_PAT_LIFETIME_SECONDS = 300;
export const DEFAULT_DEV_AS_RPT_LIFETIME_SECONDS = 3600;
/** Janssen's fallback `umaResourceLifetime`. */
export const DEFAULT_RESOURCE_LIFETIME_SECONDS = 2_592_000;
const DEFAULT_CALL_LOG_LIMIT = 10_000;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`"${name}" option must be a positive number`);
  return value;
}

export async function startDevAs(options: DevAsOptions = {}): Promise<DevAs> {
  const dialect = options.dialect ?? 'strict';
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const as = new AuthorizationServer({
    opHost: '',
    now,
    tokenLifetimeSeconds: positive('tokenLifetimeSeconds', options.tokenLifetimeSeconds ?? DEFAULT_PAT_LIFETIME_SECONDS),
    rptLifetimeSeconds: positive('rptLifetimeSeconds', options.rptLifetimeSeconds ?? DEFAULT_DEV_AS_RPT_LIFETIME_SECONDS),
    jwtRpts: false,
    grantingRptPrefix: options.grantingRptPrefix,
  });
  const faults = new FaultTable<DevAsFault>();
  const log = new CallLog(Math.floor(positive('callLogLimit', options.callLogLimit ?? DEFAULT_CALL_LOG_LIMIT)));
  const registry = new ResourceRegistry(() => Math.floor(now() / 1000));
  const clientFlags = new Map<string, ClientFlags>();
  const pcts = new Map<string, Readonly<Record<string, string>>>();
  const settings = { remoteResourceManagement: true };
  const signer = options.jwtRpts === true ? await RptSigner.create() : undefined;
  // The profile needs the port the OS picks, so the context is completed once listening.
  const holder: { ctx?: DevAsContext } = {};
  const listener = new Listener(
    createDevAsServer(
      () => {
        if (holder.ctx === undefined) throw new Error('the dev AS is not listening yet');
        return holder.ctx;
      },
      faults,
      log,
    ),
    host,
    options.port ?? 0,
  );
  await listener.start();
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
  // The claims-gathering page (shared with the dev oxd) is served here, at the origin.
  as.opHost = origin;
  for (const scope of options.claimsRequiredFor ?? []) as.demandClaim(scope, DEFAULT_DEMANDED_CLAIM);
  for (const { scope, claim } of options.claimDemands ?? []) as.demandClaim(scope, claim);
  const profile = profileFor(dialect, origin, options.realm ?? DEFAULT_DEV_AS_REALM);
  holder.ctx = {
    dialect,
    as,
    registry,
    profile,
    signer,
    policy: {
      denied: new Set(options.deniedScopes ?? []),
      submitted: new Set(options.submittedScopes ?? []),
    },
    clientFlags,
    settings,
    pcts,
    resourceLifetimeSeconds: positive('resourceLifetimeSeconds', options.resourceLifetimeSeconds ?? DEFAULT_RESOURCE_LIFETIME_SECONDS),
  };
  let closed = false;
  return {
    dialect,
    url: origin,
    issuer: profile.issuer,
    discoveryUrl: profile.discoveryUrl,
    faults: {
      add: (rule) => {
        faults.add(rule.endpoint, rule.fault, rule.times);
      },
      clear: () => {
        faults.clear();
      },
    },
    createClient: (init = {}) => {
      const client = as.registerClient(
        { clientId: init.clientId ?? `dev-client-${randomUUID()}`, clientSecret: init.clientSecret ?? randomUUID() },
        { claimsRedirectUris: init.claimsRedirectUris ?? [] },
      );
      clientFlags.set(client.clientId, { umaProtection: init.umaProtection ?? true });
      return { clientId: client.clientId, clientSecret: client.clientSecret };
    },
    setRemoteResourceManagement: (enabled) => {
      settings.remoteResourceManagement = enabled;
    },
    resources: () => registry.all(),
    calls: log.calls,
    count: (endpoint, method) => log.count(endpoint, method),
    ...tokenControls(as),
    wipe: () => {
      as.reset();
      registry.clear();
      clientFlags.clear();
      pcts.clear();
    },
    stop: () => listener.stop(),
    start: async () => {
      if (closed) throw new Error('the dev AS was closed; start a new one with startDevAs()');
      await listener.start();
    },
    close: async () => {
      closed = true;
      await listener.stop();
    },
  };
}
