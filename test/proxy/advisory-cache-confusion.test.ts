/**
 * Advisory class: cache confusion across rules (CVE-2021-32701, ory/oathkeeper#743; also
 * dadrus/heimdall#3452). Attack: the decision cache was keyed by token only, so a token cached
 * while passing rule A (scope `view`) was accepted by rule B (scope `admin`) without asking
 * again. umagate keys grants by token hash + method + matched pattern + policy generation: an
 * RPT granted for GET /photo is checked afresh (and denied) for /admin or for POST /photo.
 */
import { describe, expect, it } from 'vitest';
import { bearer, useFileHarness } from './harness.js';

const harness = useFileHarness();

describe('a cached grant answers only for its own pattern and method', () => {
  it('GET /photo granted and cached; GET /admin and POST /photo with the same RPT are denied', async () => {
    const h = harness();
    const rpt = await h.obtainRpt('GET', '/photo');
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200);
    expect((await h.fetch('/photo', { headers: bearer(rpt) })).status).toBe(200); // from cache
    const checks = h.oxd.count('uma_rs_check_access');
    expect((await h.fetch('/admin', { headers: bearer(rpt) })).status).toBe(401);
    expect((await h.fetch('/photo', { method: 'POST', headers: bearer(rpt), body: 'x' })).status).toBe(401);
    expect(h.oxd.count('uma_rs_check_access')).toBe(checks + 2);
    expect(h.backend.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /photo', 'GET /photo']);
  });
});
