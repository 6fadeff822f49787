/**
 * Matching cost against policy size: the same request mix against a 10-resource policy and a
 * 10,000-resource policy, in the same process. The trie should keep the ratio near 1 (target ≤ 2×).
 */
import { performance } from 'node:perf_hooks';
import { canonicalizeTarget, compileMatcher, parsePolicy } from '../src/policy/index.js';
import type { Matcher } from '../src/policy/index.js';
import { median } from './stats.js';
import type { BenchResult } from './types.js';

const SMALL = 10;

export interface MatchSettings {
  /** Resources of the large policy, measured against SMALL. */
  readonly resources: number;
  /** The loops: rounds (median taken) × iterations over every request. */
  readonly rounds: number;
  readonly iterations: number;
}

/** What the target (ratio ≤ 2) is stated for. */
export const FULL_MATCH: MatchSettings = { resources: 10_000, rounds: 5, iterations: 5_000 };

// Five shapes of resource, so every kind of segment (literal, regex, ?, ??) is in the trie.
function resourceYaml(i: number): string {
  const scopes = `[https://example.com/scopes/r${i}]`;
  const shapes = [
    `/svc${i}/items`,
    `/svc${i}/items/?`,
    `/svc${i}/users/{[0-9]+}/profile`,
    `/svc${i}/docs/??`,
    `/svc${i}/files/??/{.+\\.pdf}`,
  ];
  const path = shapes[i % shapes.length] ?? '/';
  return `  - path: ${path}\n    conditions:\n      - httpMethods: [GET, POST]\n        scopes: ${scopes}\n`;
}

function matcherOf(count: number): Matcher {
  const yaml = `resources:\n${Array.from({ length: count }, (_, i) => resourceYaml(i)).join('')}`;
  return compileMatcher(parsePolicy(yaml, `<bench ${count}>`));
}

// Requests that hit the resources both policies share (indices < SMALL), plus misses.
const REQUESTS = [
  '/svc0/items',
  '/svc1/items/42',
  '/svc2/users/1234/profile',
  '/svc3/docs/a/b/c/d',
  '/svc4/files/2024/q1/report.pdf',
  '/svc5/items',
  '/svc7/users/x/profile',
  '/svc8/docs',
  '/nothing/here/at/all',
  '/svc9/files/readme.txt',
].map((raw) => {
  const target = canonicalizeTarget(raw);
  if (!target.ok) throw new Error(`bench request ${raw}: ${target.reason}`);
  return target.matchPaths[0];
});

/** Nanoseconds per match of one pass: `iterations` times over every request; `sink` keeps the loop alive. */
function roundNs(matcher: Matcher, iterations: number, sink: { protected: number }): number {
  const start = performance.now();
  for (let n = 0; n < iterations; n++) {
    for (const path of REQUESTS) if (matcher.match('GET', path).outcome === 'protected') sink.protected++;
  }
  return ((performance.now() - start) * 1e6) / (iterations * REQUESTS.length);
}

/**
 * Median ns per match of each matcher, their rounds interleaved (A B, B A, …) so that whatever
 * else the machine does meanwhile weighs on both alike; the median damps GC and JIT noise.
 */
function nsPerMatch(matchers: readonly Matcher[], { rounds, iterations }: MatchSettings): number[] {
  const sink = { protected: 0 };
  const runs = matchers.map((matcher) => ({ matcher, samples: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (const run of round % 2 === 0 ? runs : [...runs].reverse()) run.samples.push(roundNs(run.matcher, iterations, sink));
  }
  if (sink.protected < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return runs.map((run) => median(run.samples));
}

/**
 * Less than FULL_MATCH (a quick run: parsing a 10,000-resource policy alone takes seconds) checks
 * the rig only; the note says what was cut.
 */
export function benchPolicyMatch(settings: MatchSettings = FULL_MATCH): Promise<BenchResult> {
  const matchers = [matcherOf(SMALL), matcherOf(settings.resources)];
  nsPerMatch(matchers, settings); // warm-up: JIT the matcher before either measurement
  const [baseline = Number.NaN, measured = Number.NaN] = nsPerMatch(matchers, settings);
  const full = settings.resources === FULL_MATCH.resources && settings.rounds * settings.iterations >= FULL_MATCH.rounds * FULL_MATCH.iterations;
  const n = (value: number): string => value.toLocaleString('en-US');
  const cut = `the target (ratio ≤ 2) is for ${n(FULL_MATCH.resources)} resources and ${FULL_MATCH.rounds} × ${n(FULL_MATCH.iterations)} iterations (${settings.rounds} × ${n(settings.iterations)} here): not judged`;
  return Promise.resolve({
    name: 'policy-match',
    baselineLabel: `${SMALL} resources`,
    baseline,
    measured,
    ratio: measured / baseline,
    unit: 'ns/match',
    note: `matcher.match on ${REQUESTS.length} paths: ${SMALL} resources (baseline) vs ${n(settings.resources)} resources (measured); ${full ? 'target ratio ≤ 2' : cut}`,
  });
}
