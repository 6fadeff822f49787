/** Live policy edits (ARCHITECTURE.md, Reload): watched file, SIGHUP-equivalent reload(), invalid edits. */
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { POLICY, startHarness, type Harness, type LogLine } from './harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** The proxy's report that it applied an edit it saw in the watched file (from line `from` on). */
function reloadedByWatch(harness: Harness, from: number): Promise<LogLine> {
  return harness.logs.waitFor('"policy reloaded" by the file watch', (l) => l.msg === 'policy reloaded' && l.trigger === 'watch', from);
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
    expect((await h.fetch('/reports')).status).toBe(403);
    const mark = h.logs.lines.length;
    await writeFile(h.policyFile, WITH_REPORTS);
    await reloadedByWatch(h, mark);
    expect((await h.fetch('/reports')).status).toBe(401);
    expect(h.oxd.count('uma_rs_protect')).toBe(2);
    const metrics = await (await fetch(`${h.proxy.adminUrl}/metrics`)).text();
    expect(metrics).toContain('umagate_policy_reloads_total{result="applied"} 1');
  });

  it("survives an editor's rename-replace save", async () => {
    h = await startHarness();
    const mark = h.logs.lines.length;
    await writeFile(`${h.policyFile}.swp`, WITH_REPORTS);
    await rename(`${h.policyFile}.swp`, h.policyFile);
    await reloadedByWatch(h, mark);
    expect((await h.fetch('/reports')).status).toBe(401);
  });

  // Kubernetes mounts a ConfigMap as <dir>/policies.yaml -> ..data/policies.yaml, ..data ->
  // ..<timestamp>/, and updates it by swapping the ..data symlink: no event ever names
  // policies.yaml itself, so a watcher filtering on the file's name never reloads.
  it('applies a Kubernetes ConfigMap update (the ..data symlink swap)', async () => {
    const mount = await mkdtemp(join(tmpdir(), 'umagate-configmap-'));
    onTestFinished(() => rm(mount, { recursive: true, force: true }));
    const version = async (name: string, text: string): Promise<void> => {
      await mkdir(join(mount, name));
      await writeFile(join(mount, name, 'policies.yaml'), text);
    };
    await version('..v1', POLICY);
    await symlink('..v1', join(mount, '..data'));
    await symlink(join('..data', 'policies.yaml'), join(mount, 'policies.yaml'));
    h = await startHarness({ proxy: { policy: join(mount, 'policies.yaml') } });
    expect((await h.fetch('/reports')).status).toBe(403);

    const mark = h.logs.lines.length;
    await version('..v2', WITH_REPORTS);
    await symlink('..v2', join(mount, '..data_tmp'));
    await rename(join(mount, '..data_tmp'), join(mount, '..data'));
    await reloadedByWatch(h, mark);
    expect((await h.fetch('/reports')).status).toBe(401);
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
