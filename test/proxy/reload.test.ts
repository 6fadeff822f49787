/** Live policy edits (contract §5.4): watched file, SIGHUP-equivalent reload(), invalid edits. */
import { rename, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { POLICY, startHarness, type Harness } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function until(probe: () => Promise<boolean>, timeoutMs = 8_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const WITH_REPORTS = `${POLICY}
  - path: /reports
    conditions:
      - httpMethods: [GET]
        scopes: [http://photoz.example.com/dev/actions/view]
`;

describe('policy reload', () => {
  it('applies an edit of the watched file within seconds and registers the new set', async () => {
    h = await startHarness();
    const harness = h;
    expect((await h.fetch('/reports')).status).toBe(403);
    await writeFile(h.policyFile, WITH_REPORTS);
    expect(await until(async () => (await harness.fetch('/reports')).status === 401)).toBe(true);
    expect(h.oxd.count('uma_rs_protect')).toBe(2);
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(metrics).toContain('umagate_policy_reloads_total{result="applied"} 1');
  });

  it("survives an editor's rename-replace save", async () => {
    h = await startHarness();
    const harness = h;
    await writeFile(`${h.policyFile}.swp`, WITH_REPORTS);
    await rename(`${h.policyFile}.swp`, h.policyFile);
    expect(await until(async () => (await harness.fetch('/reports')).status === 401)).toBe(true);
  });

  it('an edit that changes only comments is applied without re-registering', async () => {
    h = await startHarness();
    await writeFile(h.policyFile, `# reviewed\n${POLICY}`);
    expect(await h.proxy.reload()).toMatchObject({ result: 'applied', registration: 'unchanged' });
    expect(h.oxd.count('uma_rs_protect')).toBe(1);
  });

  it('rejects an invalid edit, logs every problem and keeps the old policy', async () => {
    h = await startHarness();
    await writeFile(h.policyFile, 'unprotected: maybe\nresources:\n  - path: nope\n    colour: red\n');
    const result = await h.proxy.reload();
    expect(result.result).toBe('rejected');
    expect(result.result === 'rejected' && result.problems.length).toBeGreaterThanOrEqual(2);
    expect((await h.fetch('/photo')).status).toBe(401);
    expect((await h.fetch('/health')).status).toBe(200);
    expect(h.logs.lines.some((l) => l.msg === 'policy edit rejected; the previous policy stays in force')).toBe(true);
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/umagate_policy_reloads_total\{result="rejected"\} [12]/);
  });
});
