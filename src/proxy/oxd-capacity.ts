/**
 * Who may use oxd, and how much of it, before a call is made. Every request without a token
 * costs an oxd call that mints a ticket, so without a bound one anonymous client could queue
 * enough of them to make the checks of token holders wait past their deadline (and, three
 * timeouts later, open the breaker for everyone). Two lanes share oxd: calls for requests that
 * carry a token and calls for requests that do not, each with its own slots and bounded queue,
 * so the second can never take the capacity of the first. Within a lane, one client may have at
 * most `perClient` calls in flight or waiting; beyond that, or beyond a full queue, the call is
 * shed (the request is answered 429).
 *
 * Nothing here knows how a decision is made: any authorizer that goes through the guard (the
 * oxd client's check_access, or another mode's) gets the same lanes.
 */
import { OxdCapacityError, type ShedReason } from './errors.js';
import type { ProxyMetrics } from './metrics.js';

/** Calls for requests that carry a token, and calls for requests that do not. */
export type Lane = 'token' | 'anonymous';

/** The request an oxd call is made for: its lane, and the client it is counted against. */
export interface OxdCaller {
  readonly carriesToken: boolean;
  /** Peer address, or the forwarded client address when the peer is a trusted proxy. */
  readonly client: string;
}

export interface LaneLimits {
  /** Calls of the lane running against oxd at once. */
  readonly slots: number;
  /** Calls of the lane waiting for a slot; the next one is shed. */
  readonly queue: number;
}

export interface OxdCapacityOptions {
  readonly lanes: { readonly [L in Lane]: LaneLimits };
  /** Calls of one client in one lane, running or waiting. */
  readonly perClient: number;
  readonly metrics: ProxyMetrics;
}

/** Lane sizes of `umagate serve`: oxd-server handles each connection's requests one at a time. */
export const DEFAULT_LANES: OxdCapacityOptions['lanes'] = Object.freeze({
  token: { slots: 8, queue: 1_024 },
  anonymous: { slots: 4, queue: 256 },
});

/** Seconds a shed client is asked to wait: the lanes drain in well under that. */
export const SHED_RETRY_AFTER_SECONDS = 1;

class LaneState {
  readonly limits: LaneLimits;
  running = 0;
  readonly waiting: (() => void)[] = [];
  readonly perClient = new Map<string, number>();

  constructor(limits: LaneLimits) {
    this.limits = limits;
  }
}

export class OxdCapacity {
  readonly #options: OxdCapacityOptions;
  readonly #lanes: { readonly [L in Lane]: LaneState };

  constructor(options: OxdCapacityOptions) {
    this.#options = options;
    this.#lanes = { token: new LaneState(options.lanes.token), anonymous: new LaneState(options.lanes.anonymous) };
  }

  /** Calls that may run against oxd at once, all lanes together: what the transport must carry. */
  get concurrency(): number {
    return this.#options.lanes.token.slots + this.#options.lanes.anonymous.slots;
  }

  /**
   * Waits for a slot of the caller's lane and resolves with its release, or rejects with
   * OxdCapacityError when the caller is shed. Time spent here is not oxd's: no deadline runs.
   */
  async enter(caller: OxdCaller): Promise<() => void> {
    const lane: Lane = caller.carriesToken ? 'token' : 'anonymous';
    const state = this.#lanes[lane];
    const held = state.perClient.get(caller.client) ?? 0;
    if (held >= this.#options.perClient) this.#shed(lane, 'client_limit');
    if (state.running >= state.limits.slots && state.waiting.length >= state.limits.queue) this.#shed(lane, 'queue_full');
    state.perClient.set(caller.client, held + 1);
    if (state.running < state.limits.slots) state.running += 1;
    else await new Promise<void>((resolve) => state.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (state.perClient.get(caller.client) ?? 1) - 1;
      if (left === 0) state.perClient.delete(caller.client);
      else state.perClient.set(caller.client, left);
      // The slot passes straight to the oldest waiter, if any.
      const next = state.waiting.shift();
      if (next === undefined) state.running -= 1;
      else next();
    };
  }

  #shed(lane: Lane, reason: ShedReason): never {
    this.#options.metrics.oxdShed.inc({ lane, reason });
    throw new OxdCapacityError(reason, SHED_RETRY_AFTER_SECONDS);
  }
}
