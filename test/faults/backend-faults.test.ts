/**
 * The backend misbehaving behind a running proxy, per authorization mode: refusing connections,
 * accepting and never answering, resetting half-way through a body. Clients get the documented
 * 502/504 (or, once a response has started, a cut connection — never a second, made-up answer);
 * only granted requests ever reach the backend; the proxy keeps serving once the backend behaves.
 */
import { describe, expect, it } from 'vitest';
import { bearer } from '../proxy/harness.js';
import { MODES, useSubject } from './subject.js';
import { CUT, startUnrulyBackend, statusFigure, statusOrCut, type Behaviour } from './unruly-backend.js';
import { restartablePort } from '../helpers/restartable-port.js';

const REQUESTS = 6;
describe.each(MODES)('%s mode', (mode) => {
  const subjectFor = useSubject(mode);

  it('backend refusing connections: 502 upstream_unreachable, nothing else', async () => {
    const s = await subjectFor({ proxy: { upstream: `http://127.0.0.1:${await restartablePort()}` } });
    const rpt = await s.harness.obtainRpt('GET', '/photo');
    const answers = await Promise.all(Array.from({ length: REQUESTS }, () => s.harness.send('/photo', { headers: bearer(rpt) })));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: REQUESTS }, () => 502));
    expect(new Set(answers.map((a) => a.json().code))).toEqual(new Set(['upstream_unreachable']));
    process.stdout.write(`faults: ${mode}: backend-refuses: ${statusFigure(answers.map((a) => a.status))}\n`);
  });

  it.each<[string, Behaviour, number]>([
    ['backend-hangs', 'hang', 504],
    // Regression: http-proxy pipes the answer unwatched, so before forward.ts cut the client's
    // connection on an incomplete upstream body, these clients waited forever (a socket held per
    // victim request: resource exhaustion driven by any backend crash).
    ['backend-resets-mid-body', 'reset_mid_body', CUT],
  ])('%s: the documented answer, then served again once the backend behaves', async (scenario, behaviour, expected) => {
    const backend = await startUnrulyBackend();
    try {
      const s = await subjectFor({ proxy: { upstream: backend.url, upstreamTimeout: 0.2 } });
      const rpt = await s.harness.obtainRpt('GET', '/photo');
      const granted = backend.seen.length;
      backend.behave(behaviour);
      const faulty = await Promise.all(Array.from({ length: REQUESTS }, () => statusOrCut(s.harness.proxy.url, rpt)));
      expect(faulty).toEqual(Array.from({ length: REQUESTS }, () => expected));
      // Denied callers never reach it, whatever state it is in.
      expect((await s.harness.send('/photo')).status).toBe(401);
      expect((await s.harness.send('/photo', { headers: bearer('forged') })).status).toBe(401);
      expect(backend.seen.length - granted).toBe(REQUESTS);
      backend.behave('answer');
      const healed = await Promise.all(Array.from({ length: 2 }, () => statusOrCut(s.harness.proxy.url, rpt)));
      expect(healed).toEqual([200, 200]);
      process.stdout.write(`faults: ${mode}: ${scenario}: ${statusFigure([...faulty, ...healed])}\n`);
    } finally {
      await backend.close();
    }
  });
});
