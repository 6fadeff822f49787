/**
 * The messages between the cluster primary and its traffic workers. They say nothing about how
 * requests are authorized (oxd or otherwise): the policy as text with its generation, whether
 * (and how many times) it has been registered and the ids it was registered under, "drift
 * detected" and its answer, "ready", metrics, "drain". Each side validates what it receives: a
 * worker that crashed half-way may send anything.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { RegisteredId } from './authz-backend.js';
import type { StartProxyOptions } from './running.js';

/** The serve options a worker resolves again (plain data; the primary's stream and clock stay behind). */
export type WorkerInput = Omit<StartProxyOptions, 'logDestination' | 'now' | 'watchPolicy'>;

/** The control state every worker serves under: one generation, one text, everywhere. */
export interface PolicyMessage {
  readonly type: 'umagate:policy';
  readonly generation: number;
  readonly text: string;
  readonly registered: boolean;
  /** Bumped whenever registration may have changed the credentials workers read from the config, or the ids. */
  readonly registrationEpoch: number;
  /** Direct mode: the AS resource id of each (pattern, condition) of this generation; oxd: none. */
  readonly registeredIds: readonly RegisteredId[];
}

export type PrimaryMessage =
  | { readonly type: 'umagate:init'; readonly input: WorkerInput; readonly policy: PolicyMessage }
  | PolicyMessage
  | { readonly type: 'umagate:repaired'; readonly id: number; readonly error: string | null }
  | { readonly type: 'umagate:metrics-request'; readonly id: number }
  | { readonly type: 'umagate:drain' };

export type WorkerMessage =
  /**
   * Listening for the primary's messages. cluster's own 'online' comes before an ES module
   * worker has attached its listener, and a message sent then would be lost.
   */
  | { readonly type: 'umagate:started' }
  /** Listening, and serving `generation`, registered or not yet. */
  | { readonly type: 'umagate:ready'; readonly url: string; readonly generation: number; readonly registered: boolean }
  /** Now serving `generation`, registered or not yet (after a policy message). */
  | { readonly type: 'umagate:applied'; readonly generation: number; readonly registered: boolean }
  /**
   * The authorization side no longer knows what was registered under `generation`; `epoch`: the
   * registration the worker decided under (a report about one already repaired needs no repair).
   */
  | { readonly type: 'umagate:drift'; readonly id: number; readonly generation: number; readonly epoch: number }
  | { readonly type: 'umagate:metrics'; readonly id: number; readonly metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { readonly type: 'umagate:failed'; readonly message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function parseRegisteredIds(value: unknown): RegisteredId[] | null {
  if (!Array.isArray(value)) return null;
  const ids: RegisteredId[] = [];
  for (const entry of value as unknown[]) {
    if (!isRecord(entry)) return null;
    const { pattern, methods, id } = entry;
    if (typeof pattern !== 'string' || !isStrings(methods) || typeof id !== 'string' || id === '') return null;
    ids.push({ pattern, methods, id });
  }
  return ids;
}

function parsePolicyMessage(value: Record<string, unknown>): PolicyMessage | null {
  const { generation, text, registered, registrationEpoch } = value;
  const registeredIds = parseRegisteredIds(value.registeredIds);
  if (!isInt(generation) || typeof text !== 'string' || typeof registered !== 'boolean' || !isInt(registrationEpoch) || registeredIds === null) return null;
  return { type: 'umagate:policy', generation, text, registered, registrationEpoch, registeredIds };
}

export function parsePrimaryMessage(value: unknown): PrimaryMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'umagate:init':
      return isRecord(value.input) && isRecord(value.policy) ? withPolicy(value.input, parsePolicyMessage(value.policy)) : null;
    case 'umagate:policy':
      return parsePolicyMessage(value);
    case 'umagate:repaired':
      return isInt(value.id) && (value.error === null || typeof value.error === 'string') ? { type: 'umagate:repaired', id: value.id, error: value.error } : null;
    case 'umagate:metrics-request':
      return isInt(value.id) ? { type: 'umagate:metrics-request', id: value.id } : null;
    case 'umagate:drain':
      return { type: 'umagate:drain' };
    default:
      return null;
  }
}

function withPolicy(input: WorkerInput, policy: PolicyMessage | null): PrimaryMessage | null {
  return policy === null ? null : { type: 'umagate:init', input, policy };
}

export function parseWorkerMessage(value: unknown): WorkerMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'umagate:started':
      return { type: 'umagate:started' };
    case 'umagate:ready':
      return typeof value.url === 'string' && isInt(value.generation) && typeof value.registered === 'boolean'
        ? { type: 'umagate:ready', url: value.url, generation: value.generation, registered: value.registered }
        : null;
    case 'umagate:applied':
      return isInt(value.generation) && typeof value.registered === 'boolean' ? { type: 'umagate:applied', generation: value.generation, registered: value.registered } : null;
    case 'umagate:drift':
      return isInt(value.id) && isInt(value.generation) && isInt(value.epoch) ? { type: 'umagate:drift', id: value.id, generation: value.generation, epoch: value.epoch } : null;
    case 'umagate:metrics':
      return isInt(value.id) && Array.isArray(value.metrics)
        ? { type: 'umagate:metrics', id: value.id, metrics: value.metrics as MetricObjectWithValues<MetricValue<string>>[] }
        : null;
    case 'umagate:failed':
      return typeof value.message === 'string' ? { type: 'umagate:failed', message: value.message } : null;
    default:
      return null;
  }
}
