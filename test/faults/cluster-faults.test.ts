/**
 * The fault suite's scenarios where a cluster behaves differently from one process, with
 * `--workers 2`, per authorization mode: each worker has its own client, PAT (direct mode),
 * breaker and cache, the primary alone registers and repairs. The invariants are the suite's
 * (subject.ts `traffic`): nothing reaches the backend without a grant, every 503 carries
 * Retry-After, no promise is left rejected (in this process, the primary) and no worker ends
 * (cluster.ts), and service resumes with no operator action — on every worker. Each scenario
 * prints its figure (`faults: <mode>: --workers 2 <scenario>: 200×n 503×m …`).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { bearer } from '../proxy/harness.js';
import { CLUSTER_DEADLINE_SECONDS, clusterReady, everyBreakerClosed, useClusterSubject } from './cluster.js';
import { MODES, expectServing, report, traffic, type DecisionFault, type Mode, type Tally } from './subject.js';
import { CUT, startUnrulyBackend, statusFigure, statusOrCut } from './unruly-backend.js';

/** Rounds of traffic per phase: 3 requests each (granted, forged, anonymous), spread over both workers. */
const ROUNDS = 4;
/** Concurrent requests against a misbehaving backend: enough for both workers to see some. */
const REQUESTS = 6;
const DECISION_FAULTS: readonly (readonly [string, DecisionFault])[] = [
  ['slower-than-deadline', { slowerThanMs: 1_500 * CLUSTER_DEADLINE_SECONDS }],
  ['answers-garbage', 'garbage'],
  ['answers-http-500', 'http_500'],
];

function figure(mode: Mode, scenario: string, ...tallies: Tally[]): void {
  report(mode, `--workers 2 ${scenario}`, ...tallies);
}

describe.each(MODES)('%s mode, --workers 2', (mode) => {
  const subjectFor = useClusterSubject(mode);

  it('authorization service unreachable at boot: 503 with Retry-After from every worker, then ready by itself', async () => {
    const s = await subjectFor({ authzDown: true });
    const down = await traffic(s, 'not-issued-yet', ROUNDS);
    expect([...down.byStatus.keys()]).toEqual([503]);
    expect((await fetch(`${s.harness.proxy.adminUrl}/readyz`)).status).toBe(503);
    expect((await s.harness.send('/health')).status).toBe(200);
    await s.start();
    await s.harness.proxy.registered;
    await clusterReady(s);
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    figure(mode, 'unreachable-at-boot', down, await expectServing(s, rpt));
  });

  it('dies mid-traffic and returns: 503 while gone, every worker serves again once back', async () => {
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await expectServing(s, rpt);
    await s.stop();
    const gone = await traffic(s, rpt, ROUNDS);
    expect([...gone.byStatus.keys()]).toEqual([503]);
    await s.start();
    await everyBreakerClosed(s);
    figure(mode, 'dies-mid-traffic', before, gone, await expectServing(s, rpt));
  });

  it('returns with its storage emptied: the primary registers again once, whichever worker saw it first', async () => {
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await expectServing(s, rpt);
    const mark = s.harness.logs.lines.length;
    await s.stop();
    s.wipe();
    await s.start();
    await everyBreakerClosed(s);
    const after = await traffic(s, rpt, ROUNDS);
    expect(new Set(after.byCaller.get('granted'))).toEqual(new Set([401]));
    expect(s.harness.logs.lines.slice(mark).filter((l) => String(l.msg).includes('registration drift'))).toHaveLength(1);
    const fresh = await s.freshRpt('GET', '/photo');
    figure(mode, 'returns-with-storage-emptied', before, after, await expectServing(s, fresh));
  });

  it('slower than the deadline, answering garbage, answering 500s: 503 with Retry-After while it lasts, every worker serves again once healed', async () => {
    // One cluster for the three faults, in turn: a cluster boot costs more than a scenario.
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    for (const [scenario, fault] of DECISION_FAULTS) {
      s.fail(fault);
      const faulty = await traffic(s, rpt, ROUNDS);
      expect([...faulty.byStatus.keys()], scenario).toEqual([503]);
      s.heal();
      await everyBreakerClosed(s);
      figure(mode, scenario, faulty, await expectServing(s, rpt));
    }
  });

  it('protection token (and RPTs) expire mid-traffic: every worker fetches a new token, never a 503', async () => {
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await expectServing(s, rpt);
    s.expireTokens();
    const after = await traffic(s, rpt, ROUNDS);
    expect(new Set(after.byStatus.keys())).toEqual(new Set([401]));
    const fresh = await s.harness.obtainRpt('GET', '/photo');
    figure(mode, 'tokens-expire-mid-traffic', before, after, await expectServing(s, fresh));
  });

  it('backend resetting mid-body, then gone: the client connection is cut, then 502 upstream_unreachable', async () => {
    const backend = await startUnrulyBackend();
    let closed = false;
    onTestFinished(async () => {
      if (!closed) await backend.close();
    });
    const s = await subjectFor({ proxy: { upstream: backend.url, upstreamTimeout: 0.2 } });
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const granted = backend.seen.length;
    backend.behave('reset_mid_body');
    const cut = await Promise.all(Array.from({ length: REQUESTS }, () => statusOrCut(s.harness.proxy.url, rpt)));
    expect(cut).toEqual(cut.map(() => CUT));
    // Denied callers never reach it, whatever state it is in.
    expect((await s.harness.send('/photo')).status).toBe(401);
    expect(backend.seen.length - granted).toBe(REQUESTS);
    backend.behave('answer');
    const healed = await Promise.all(Array.from({ length: 2 }, () => statusOrCut(s.harness.proxy.url, rpt)));
    expect(healed).toEqual([200, 200]);
    // Now its port refuses connections.
    closed = true;
    await backend.close();
    const refused = await Promise.all(Array.from({ length: REQUESTS }, () => s.harness.send('/photo', { headers: bearer(rpt) })));
    expect(refused.map((a) => a.status)).toEqual(refused.map(() => 502));
    expect(new Set(refused.map((a) => a.json().code))).toEqual(new Set(['upstream_unreachable']));
    process.stdout.write(`faults: ${mode}: --workers 2 backend-resets-mid-body: ${statusFigure([...cut, ...healed])}\n`);
    process.stdout.write(`faults: ${mode}: --workers 2 backend-refuses: ${statusFigure(refused.map((a) => a.status))}\n`);
  });
});
