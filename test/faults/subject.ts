/**
 * The fault suite's view of one authorization mode: a running proxy in front of a recording
 * backend, the levers that make its authorization service misbehave, and the bounded traffic whose
 * outcomes every scenario counts and checks. A scenario is written once against `FaultSubject`
 * and runs for every entry of `MODES`; supporting another mode means adding its driver here.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { DevAsFault } from '../../src/devas/index.js';
import { RS_CLIENT, REQUESTING_PARTY, bearer, oxdRpt, startHarness, type Harness, type HarnessOptions } from '../proxy/harness.js';
import { countsFigure } from './unruly-backend.js';

/** Ways a decision call can fail, named by what the proxy sees rather than by a mode's wire format. */
export type DecisionFault = 'refused' | 'garbage' | 'truncated' | 'wrong_shape' | 'http_500' | { readonly slowerThanMs: number };

export interface FaultSubject {
  readonly harness: Harness;
  /** The authorization service goes away (its port refuses connections) and comes back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The service loses every registration, client and token it held. */
  wipe(): void;
  /** Every protection token (and RPT) it issued expires now. */
  expireTokens(): void;
  /** Every call to the service fails this way until `heal()`. */
  fail(fault: DecisionFault): void;
  heal(): void;
  /** 401 → ticket → RPT through a new RP client (the harness's own keeps the site id it read first). */
  freshRpt(method: string, path: string): Promise<string>;
}

export interface SubjectOptions {
  readonly proxy?: HarnessOptions['proxy'];
  readonly authzDown?: boolean;
  /** How the proxy is started (cluster.ts: the built package's, for `--workers`). */
  readonly startProxy?: HarnessOptions['startProxy'];
}

/**
 * Short deadlines so each scenario runs in well under a second: the breaker opens after two
 * failures and probes every 50 ms; oxd calls time out after 250 ms; no decision is cached, so
 * every granted request really asks the authorization service.
 */
const FAST = { breaker: { failureThreshold: 2, probeIntervalMs: 50 }, oxdTimeout: 0.25, cacheTtl: 0 } as const;

async function oxdSubject(options: SubjectOptions): Promise<FaultSubject> {
  const harness = await startHarness({
    protocol: 'rest',
    proxy: { ...FAST, ...options.proxy },
    oxdDown: options.authzDown === true,
    waitRegistered: options.authzDown !== true,
    ...(options.startProxy === undefined ? {} : { startProxy: options.startProxy }),
  });
  const { oxd } = harness;
  const asOxdFault = (fault: DecisionFault) => {
    if (typeof fault === 'object') return { kind: 'delay', ms: fault.slowerThanMs } as const;
    switch (fault) {
      case 'refused':
        return { kind: 'refuse' } as const;
      case 'garbage':
        return { kind: 'garbage' } as const;
      case 'truncated':
        return { kind: 'drop_mid_frame' } as const;
      case 'wrong_shape':
        return { kind: 'answer', data: { access: 'perhaps', ticket: 42 } } as const;
      case 'http_500':
        return { kind: 'error', code: 'internal_error', status: 500 } as const;
    }
  };
  return {
    harness,
    stop: () => oxd.stop(),
    start: () => oxd.start(),
    wipe: () => {
      oxd.wipe();
    },
    expireTokens: () => {
      oxd.expireTokens();
    },
    fail: (fault) => {
      oxd.faults.add({ command: '*', fault: asOxdFault(fault) });
    },
    heal: () => {
      oxd.faults.clear();
    },
    freshRpt: async (method, path) => {
      const ticket = (await harness.send(path, { method })).json().ticket;
      if (ticket === undefined) throw new Error(`expected a ticket for ${method} ${path}`);
      return oxdRpt(harness.iniFile, ticket);
    },
  };
}

/**
 * Direct mode against the dev UMA 2.0 AS: the same levers on its HTTP endpoints. A "truncated"
 * answer over HTTP is a body that stops being the JSON it began as: the AS's HTML error page.
 */
async function uma2Subject(options: SubjectOptions): Promise<FaultSubject> {
  const { oxdTimeout, ...fast } = FAST;
  const harness = await startHarness({
    mode: 'uma2',
    proxy: { ...fast, asTimeout: oxdTimeout, ...options.proxy },
    oxdDown: options.authzDown === true,
    waitRegistered: options.authzDown !== true,
    ...(options.startProxy === undefined ? {} : { startProxy: options.startProxy }),
  });
  const { as } = harness;
  const asFault = (fault: DecisionFault): DevAsFault => {
    if (typeof fault === 'object') return { kind: 'delay', ms: fault.slowerThanMs };
    switch (fault) {
      case 'refused':
        return { kind: 'refuse' };
      case 'garbage':
        return { kind: 'garbage' };
      case 'truncated':
        return { kind: 'html' };
      case 'wrong_shape':
        return { kind: 'answer', status: 200, body: { active: 'perhaps', permissions: 42, ticket: 42 } };
      case 'http_500':
        return { kind: 'answer', status: 500, body: { error: 'server_error' } };
    }
  };
  return {
    harness,
    stop: () => as.stop(),
    start: () => as.start(),
    wipe: () => {
      // An AS that lost its storage still has the clients its admin configured (umagate never
      // registers its own client in direct mode, unlike oxd's site): only they are put back.
      as.wipe();
      as.createClient({ ...RS_CLIENT });
      as.createClient(REQUESTING_PARTY);
    },
    expireTokens: () => {
      as.expireTokens();
    },
    fail: (fault) => {
      as.faults.add({ endpoint: '*', fault: asFault(fault) });
    },
    heal: () => {
      as.faults.clear();
    },
    freshRpt: (method, path) => harness.obtainRpt(method, path),
  };
}

export type Mode = 'oxd' | 'uma2';
const DRIVERS: { readonly [M in Mode]: (options: SubjectOptions) => Promise<FaultSubject> } = { oxd: oxdSubject, uma2: uma2Subject };
export const MODES = Object.keys(DRIVERS) as Mode[];

/**
 * One subject per test, closed after it. Also fails the test on any unhandled rejection in this
 * process: a promise nobody awaited is how a proxy crashes in production on the next Node major.
 */
export function useSubject(mode: Mode): (options?: SubjectOptions) => Promise<FaultSubject> {
  let current: FaultSubject | null = null;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
  });
  afterEach(async () => {
    await current?.harness.close();
    current = null;
    expect(rejections, 'unhandled rejections').toEqual([]);
  });
  return async (options = {}) => {
    current = await DRIVERS[mode](options);
    return current;
  };
}

/** Who sends a request: a client holding a real grant for it, a made-up token, or no token. */
export type Caller = 'granted' | 'forged' | 'anonymous';
const CALLERS: readonly Caller[] = ['granted', 'forged', 'anonymous'];

export interface Tally {
  readonly byStatus: Map<number, number>;
  readonly byCaller: Map<Caller, number[]>;
  /** Requests the backend received during the traffic. */
  readonly forwarded: number;
}

/**
 * `rounds` × one request per caller to the protected `/photo`, one after the other (bounded; the
 * order is fixed so the counts are reproducible). Checks what holds under every fault: nothing
 * reaches the backend but granted requests answered 200, and every 503/429 says when to retry.
 */
export async function traffic(subject: FaultSubject, rpt: string, rounds: number): Promise<Tally> {
  const h = subject.harness;
  const before = h.backend.seen.length;
  const byStatus = new Map<number, number>();
  const byCaller = new Map<Caller, number[]>(CALLERS.map((c) => [c, []]));
  for (let i = 0; i < rounds; i += 1) {
    for (const caller of CALLERS) {
      const headers = caller === 'granted' ? bearer(rpt) : caller === 'forged' ? bearer(`forged-${i}`) : {};
      const res = await h.send('/photo', { headers });
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      byCaller.get(caller)?.push(res.status);
      if (res.status === 503 || res.status === 429) expect(res.headers['retry-after'], `${res.status} without Retry-After`).toMatch(/^\d+$/);
      if (res.status === 503) expect(res.json().code).toBe('authorization_unavailable');
    }
  }
  const forwarded = h.backend.seen.length - before;
  const grantedOk = (byCaller.get('granted') ?? []).filter((s) => s === 200).length;
  expect(forwarded, 'requests forwarded without a 200 to a granted caller').toBe(grantedOk);
  for (const caller of ['forged', 'anonymous'] as const) expect(byCaller.get(caller), `${caller} requests`).not.toContain(200);
  return { byStatus, byCaller, forwarded };
}

/** A granted caller gets 200 again and the others their tickets, from whichever process answers: service has resumed. */
export async function expectServing(subject: FaultSubject, rpt: string): Promise<Tally> {
  const tally = await traffic(subject, rpt, 2);
  expect(tally.byCaller.get('granted')).toEqual([200, 200]);
  expect(tally.byCaller.get('forged')).toEqual([401, 401]);
  expect(tally.byCaller.get('anonymous')).toEqual([401, 401]);
  return tally;
}

/** Prints the scenario's figure: `faults: <mode>: <scenario>: 200×12 503×24`. */
export function report(mode: Mode, scenario: string, ...tallies: Tally[]): void {
  const total = new Map<number, number>();
  for (const t of tallies) for (const [status, n] of t.byStatus) total.set(status, (total.get(status) ?? 0) + n);
  process.stdout.write(`faults: ${mode}: ${scenario}: ${countsFigure(total)}\n`);
}
