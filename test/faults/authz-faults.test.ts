/**
 * The authorization service misbehaving around a running proxy, per authorization mode: gone at
 * boot, dying and returning mid-traffic (also with its storage emptied), slower than the deadline,
 * answering garbage, truncated frames, wrong shapes or HTTP 500, its protection token expiring.
 * Under every fault: nothing reaches the backend without a grant, 503s carry Retry-After, no
 * promise is left rejected, and service resumes with no operator action. Each scenario prints its
 * figure (`faults: <mode>: <scenario>: 200×n 503×m …`).
 */
import { describe, expect, it } from 'vitest';
import { breakerMoved } from '../proxy/breaker.js';
import { MODES, expectServing, report, traffic, useSubject, type DecisionFault, type FaultSubject } from './subject.js';

/** Rounds of traffic per phase: 3 requests each (granted, forged, anonymous). */
const ROUNDS = 4;

/** Closed already (nothing failed while it was away), or as soon as a probe succeeds. */
async function breakerClosed(subject: FaultSubject): Promise<void> {
  // Marked before asking, so a probe closing it in between is still seen.
  const mark = subject.harness.logs.lines.length;
  const ready = (await (await fetch(`${subject.harness.proxy.adminUrl}/readyz`)).json()) as Partial<Record<'oxd' | 'as', { breaker: string }>>;
  // /readyz names the service behind the breaker: oxd, or the AS in direct mode.
  const service = ready.oxd ?? ready.as;
  if (service?.breaker !== 'closed') await breakerMoved(subject.harness, 'closed', mark);
}

describe.each(MODES)('%s mode', (mode) => {
  const subjectFor = useSubject(mode);

  it('authorization service unreachable at boot: 503 with Retry-After, then ready by itself', async () => {
    const s = await subjectFor({ authzDown: true });
    const down = await traffic(s, 'not-issued-yet', ROUNDS);
    expect([...down.byStatus.keys()]).toEqual([503]);
    expect((await fetch(`${s.harness.proxy.adminUrl}/readyz`)).status).toBe(503);
    // Public paths need no authorization service and are served meanwhile.
    expect((await s.harness.send('/health')).status).toBe(200);
    await s.start();
    await s.harness.proxy.registered;
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    report(mode, 'unreachable-at-boot', down, await expectServing(s, rpt));
  });

  it('dies mid-traffic and returns: 503 while gone, served again once back', async () => {
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await expectServing(s, rpt);
    const mark = s.harness.logs.lines.length;
    await s.stop();
    const gone = await traffic(s, rpt, ROUNDS);
    expect([...gone.byStatus.keys()]).toEqual([503]);
    await s.start();
    await breakerMoved(s.harness, 'closed', mark);
    report(mode, 'dies-mid-traffic', before, gone, await expectServing(s, rpt));
  });

  it('a grant cached before the outage keeps serving it; readiness does not flip', async () => {
    const s = await subjectFor({ proxy: { cacheTtl: 60 } });
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await expectServing(s, rpt);
    await s.stop();
    const gone = await traffic(s, rpt, ROUNDS);
    expect(gone.byCaller.get('granted')).toEqual(Array.from({ length: ROUNDS }, () => 200));
    expect(new Set([...gone.byCaller.get('forged') ?? [], ...gone.byCaller.get('anonymous') ?? []])).toEqual(new Set([503]));
    const ready = await fetch(`${s.harness.proxy.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    const readiness = (await ready.json()) as Partial<Record<'oxd' | 'as', { reachable: boolean }>>;
    expect((readiness.oxd ?? readiness.as)?.reachable).toBe(false);
    report(mode, 'dies-with-grants-cached', before, gone);
  });

  it('returns with its storage emptied: old grants are void, the policy is registered again', async () => {
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await expectServing(s, rpt);
    const mark = s.harness.logs.lines.length;
    await s.stop();
    s.wipe();
    await s.start();
    await breakerClosed(s);
    // The RPT died with the storage: a fresh ticket, never a forward on the strength of the old one.
    const after = await traffic(s, rpt, ROUNDS);
    expect(new Set(after.byCaller.get('granted'))).toEqual(new Set([401]));
    expect(s.harness.logs.lines.slice(mark).filter((l) => String(l.msg).includes('registration drift')).length).toBeGreaterThan(0);
    // The site was registered anew: the RP must read its new id before it can ask for an RPT.
    const fresh = await s.freshRpt('GET', '/photo');
    report(mode, 'returns-with-storage-emptied', before, after, await expectServing(s, fresh));
  });

  it.each<[string, DecisionFault]>([
    ['refuses-connections', 'refused'],
    ['slower-than-deadline', { slowerThanMs: 600 }],
    ['answers-garbage', 'garbage'],
    ['truncates-answers', 'truncated'],
    ['answers-wrong-shapes', 'wrong_shape'],
    ['answers-http-500', 'http_500'],
  ])('%s: 503 with Retry-After while it lasts, served again once healed', async (scenario, fault) => {
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    s.fail(fault);
    const faulty = await traffic(s, rpt, ROUNDS);
    expect([...faulty.byStatus.keys()]).toEqual([503]);
    s.heal();
    await breakerClosed(s);
    report(mode, scenario, faulty, await expectServing(s, rpt));
  });

  it('protection token (and RPTs) expire mid-traffic: a new token is fetched, never a 503', async () => {
    const s = await subjectFor();
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const before = await expectServing(s, rpt);
    s.expireTokens();
    const after = await traffic(s, rpt, ROUNDS);
    // The RPT expired with the rest: its holder is sent for a new one.
    expect(new Set(after.byStatus.keys())).toEqual(new Set([401]));
    const fresh = await s.harness.obtainRpt('GET', '/photo');
    report(mode, 'tokens-expire-mid-traffic', before, after, await expectServing(s, fresh));
  });
});
