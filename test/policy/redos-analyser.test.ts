/**
 * The ReDoS analyser runs in a child process that exits after each policy load: one run per
 * policy however many regexes it holds, nothing of it left in the proxy's memory, and every regex
 * refused when the analysis cannot run.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parsePolicy, parsePolicyAsync, PolicyError } from '../../src/policy/index.js';
import { analyseRegexes, analyseRegexesAsync } from '../../src/policy/redos-analyser.js';
import { redosProblem } from '../../src/policy/regex-safety.js';
import { rejectionOf } from '../helpers/rejection.js';

/** Regexes no other test uses, so no verdict is cached yet for them in this worker. */
function fresh(label: string): string[] {
  const tag = `${label}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return [`${tag}a[0-9]+`, `${tag}b(?:x|y)+`, `${tag}c[a-z]{2,8}`];
}

function policyWith(sources: readonly string[]): string {
  const resources = sources.map((source, i) => `  - path: /r${i}/{${source}}\n    conditions:\n      - httpMethods: [GET]\n        scopes: [view]\n`);
  return `resources:\n${resources.join('')}`;
}

describe('the ReDoS analyser process', () => {
  let dir: string;
  let startLog: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'umagate-redos-'));
    startLog = join(dir, 'starts.log');
    // Every Node process the analysis starts appends a line here as it boots (its worker threads,
    // where recheck falls back to one, do not count).
    const hook = join(dir, 'count-start.cjs');
    const append = `require('node:fs').appendFileSync(${JSON.stringify(startLog)}, 'start\\n')`;
    await writeFile(hook, `if (require('node:worker_threads').isMainThread) ${append};\n`);
    vi.stubEnv('NODE_OPTIONS', `--require ${hook}`);
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  async function starts(): Promise<number> {
    return (await readFile(startLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  }

  it('screens every regex of a policy in one run, and none again when the same policy is reloaded', async () => {
    const text = policyWith(fresh('batch'));
    expect(parsePolicy(text, 'p.yaml').resources).toHaveLength(3);
    expect(await starts()).toBe(1);
    parsePolicy(text, 'p.yaml');
    expect(await starts()).toBe(1);
  });

  it('screens a policy the same way when the event loop waits for it, and goes on turning meanwhile', async () => {
    const text = policyWith([...fresh('async'), '(a|a)*']);
    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const refusal = await rejectionOf(parsePolicyAsync(text, 'p.yaml'), PolicyError);
    spinning = false;
    const refused = refusal.problems.map((p) => `${p.code} ${p.message}`);
    expect(refused).toEqual([expect.stringMatching(/^regex_unsafe \{\(a\|a\)\*\} could backtrack catastrophically \(exponential backtracking/)]);
    expect(await starts()).toBe(1);
    // A synchronous analysis would have held the loop until it was done: not one turn.
    expect(turns).toBeGreaterThan(1);
    expect(() => parsePolicy(text, 'p.yaml')).toThrow(PolicyError);
    expect(await starts()).toBe(1);
  });

  it.each([
    ['blocking', (regexes: readonly RegExp[]) => Promise.resolve(analyseRegexes(regexes))],
    ['asynchronous', analyseRegexesAsync],
  ])('%s: refuses every regex, naming why, when the analysis cannot run (fail closed)', async (_kind, analyse) => {
    vi.stubEnv('RECHECK_BACKEND', 'no-such-backend');
    const regexes = fresh('closed').map((source) => new RegExp(`^(?:${source})$`, 'u'));
    expect(await analyse(regexes)).toEqual(regexes.map(() => 'the ReDoS analysis could not run: it exited with status 2: Error: invalid backend: no-such-backend'));
  });

  it.each([
    ['blocking', (regexes: readonly RegExp[]) => Promise.resolve(analyseRegexes(regexes))],
    ['asynchronous', analyseRegexesAsync],
  ])('%s: refuses when its process cannot even start', async (_kind, analyse) => {
    vi.stubEnv('NODE_OPTIONS', '--require /no/such/module.cjs');
    expect(await analyse([/^(?:x)$/u])).toEqual([expect.stringMatching(/^the ReDoS analysis could not run: it exited with status 1: Error: Cannot find module '\/no\/such\/module.cjs'/)]);
  });

  it('names the policy\'s regexes as refused when the analysis cannot run', async () => {
    vi.stubEnv('RECHECK_BACKEND', 'no-such-backend');
    const { problems } = await rejectionOf(Promise.resolve().then(() => parsePolicy(policyWith(fresh('policy')), 'p.yaml')), PolicyError);
    expect(problems.map((p) => p.code)).toEqual(['regex_unsafe', 'regex_unsafe', 'regex_unsafe']);
    expect(problems[0]?.message).toMatch(/could backtrack catastrophically \(the ReDoS analysis could not run: it exited with status 2/);
  });

  it('keeps recheck out of the calling process', () => {
    expect(redosProblem(new RegExp(`^(?:${fresh('resident')[0] ?? ''})$`, 'u'))).toBeNull();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.filter((file) => file.includes('/recheck/'))).toEqual([]);
  });
});
