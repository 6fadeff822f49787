/**
 * Which backend the options choose, built around the guard the runtime creates: oxd (reading
 * the ini) or the AS itself (direct mode).
 */
import { OxdClient, OxdConfigFile } from '../oxd/index.js';
import type { AuthzBackend } from './authz-backend.js';
import type { Logger } from './logger.js';
import { createOxdBackend } from './oxd-backend.js';
import { OXD_FAILURES, type GuardedFactory, type OxdGuard } from './oxd-guard.js';
import type { ServeOptions } from './options.js';
import { recordFileFor } from './registrar.js';
import { AS_FAILURES, createUma2Backend } from './uma2/backend.js';
import type { AsSessionOptions } from './uma2/session.js';
import type { Uma2Options } from './uma2-options.js';

export type BackendFactory = GuardedFactory<AuthzBackend>;

/** `oxdPoolSize`: connections the oxd client keeps (one per lane slot plus a few for boot and probes). */
export async function backendFor(options: ServeOptions, logger: Logger, now: () => number, oxdPoolSize: number): Promise<BackendFactory> {
  if (options.uma2 !== null) {
    const settings = options.uma2;
    warnInsecure(settings, logger);
    return {
      failures: AS_FAILURES,
      timeoutMs: settings.timeoutMs,
      create: (guard) =>
        createUma2Backend({
          ...asSessionOptions(options, settings, guard, now, (message) => {
            logger.warn({ insecure: true }, message);
          }),
          onStateError: (err) => {
            logger.warn({ err, stateFile: settings.stateFile }, 'could not write the UMA state file; the next reconcile adopts the resources by name');
          },
        }),
    };
  }
  const client = await OxdClient.fromConfigFile(options.oxdConfig, { logger: logger.child({ component: 'oxd' }), poolSize: oxdPoolSize });
  const oxdConfig = (await OxdConfigFile.load(options.oxdConfig)).config;
  return {
    failures: OXD_FAILURES,
    timeoutMs: options.oxdTimeoutMs,
    create: (guard) =>
      createOxdBackend({
        client,
        guard,
        recordFile: recordFileFor(options.oxdConfig),
        onRecordError: (err) => {
          logger.warn({ err }, 'could not write the registration record; the next boot will register again');
        },
        now,
        cacheMax: options.cacheMax,
        address: oxdAddress(oxdConfig),
      }),
  };
}

/** What a direct-mode process needs to reach the AS: its settings and the serve options' cache bounds. */
export function asSessionOptions(options: ServeOptions, settings: Uma2Options, guard: OxdGuard, now: () => number, onWarning: (message: string) => void): AsSessionOptions {
  return { settings, guard, cacheTtlMs: options.cacheTtlSeconds * 1000, cacheMax: options.cacheMax, now, onWarning };
}

/** Insecure switches are logged when on, at boot, whatever the AS later says. */
function warnInsecure(settings: NonNullable<ServeOptions['uma2']>, logger: Logger): void {
  if (settings.insecureSkipTlsVerify) logger.warn({ insecure: true }, '--insecure-skip-tls-verify is ON: the AS certificate is not verified; anyone on the path can impersonate it and collect the client secret');
  if (settings.allowHttpAs && settings.discoveryUrl.protocol === 'http:') logger.warn({ insecure: true }, '--allow-http-as is ON: the client secret, PATs and RPTs travel to the AS in clear');
}

function oxdAddress(config: { readonly protocol: string; readonly host: string; readonly port: number; readonly baseUrl: string | null }): string {
  return config.protocol === 'socket' ? `${config.host}:${config.port}` : (config.baseUrl ?? config.host);
}
