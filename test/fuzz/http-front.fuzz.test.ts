/**
 * Random request heads — methods, targets from the canonicaliser's hostile alphabet, framing,
 * Host, Upgrade and Authorization (duplicates included) — sent as raw bytes through a real socket
 * to the proxy in front of a recording backend. No client here holds a grant, so the policy
 * engine itself says what may be forwarded: a target that canonicalises and whose every reading
 * is public. Property: nothing else ever reaches the backend, and what does arrives with exactly
 * the canonical target. (Refusing an allowed request for another reason — a bad Host, two
 * Authorization headers, ambiguous framing — is fine; forwarding a refused one never is.)
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalizeTarget, compileMatcher, parsePolicy, resolveRequest } from '../../src/policy/index.js';
import { startBuiltProxy } from '../helpers/built-proxy.js';
import { MODES, POLICY, useFileHarness, type HarnessOptions } from '../proxy/harness.js';
import { fuzzRuns, fuzzTimeout } from './runs.js';

const matcher = compileMatcher(parsePolicy(POLICY, 'policies.yaml'));

/** The target the backend may receive for this request, or null when it must receive nothing. */
function allowedForward(method: string, target: string): string | null {
  const canonical = canonicalizeTarget(target);
  if (!canonical.ok) return null;
  const readings = resolveRequest(matcher, method, canonical);
  if (!readings.every((r) => r.match.outcome === 'public')) return null;
  return canonical.query === null ? canonical.path : `${canonical.path}?${canonical.query}`;
}

// Space, CR and LF delimit the request line itself: a target holding them is a different request
// line, not a hostile target. Every other byte value is fair game.
const targetByte = fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x20 && b !== 0x0d && b !== 0x0a).map((b) => String.fromCharCode(b));
const piece = fc.oneof(
  fc.constantFrom('/', '.', '..', ';', ';x=1', '?', '#', '%', '\\', '//', 'public', 'photo', 'admin', 'health', 'albums', 'x', '%2e', '%2f', '%2F', '%5c', '%00', '%c0%ae', '%70ublic'),
  fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`),
  fc.string({ unit: targetByte, maxLength: 3 }),
);
const target = fc.oneof(
  fc.array(piece, { maxLength: 10 }).map((parts) => `/${parts.join('')}`),
  fc.array(piece, { maxLength: 6 }).map((parts) => `http://gw/${parts.join('')}`),
  fc.constantFrom('*', 'gw:80', '//public/x', '/public/x', '/health', '/public/a/'),
);
const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'BREW', 'get');
const header = fc.oneof(
  fc.constantFrom(
    'Host: gw',
    'Host: gw',
    'Host: gw/admin',
    'Host: gw:80',
    'Host: ',
    'Authorization: Bearer made-up',
    'Authorization: Bearer other',
    'Authorization: Basic dTpw',
    'Upgrade: websocket',
    'Connection: upgrade',
    'Upgrade: h2c',
    'Content-Length: 0',
    'Content-Length: 3',
    'Content-Length: x',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: identity',
    'X-Original-URL: /admin',
    'X-Forwarded-Uri: /admin',
    'X-HTTP-Method-Override: DELETE',
  ),
  fc.tuple(fc.stringMatching(/^[A-Za-z_-]{1,12}$/), fc.string({ unit: targetByte, maxLength: 8 })).map(([n, v]) => `${n}: ${v}`),
);
// Most cases name the Host once, as clients do: without one (or with two) Node refuses the request
// before umagate judges it, and so few cases reached the backend that the forwarding side of the
// property went untested in most runs. The other headers may still add a second Host.
const hostLine = fc.constantFrom(['Host: gw'], ['Host: gw'], ['Host: gw'], []);
const headers = fc.tuple(hostLine, fc.array(header, { maxLength: 6 })).map(([host, rest]) => [...host, ...rest]);
const head = fc.record({ method, target, headers, body: fc.constantFrom('', 'abc', '0\r\n\r\n') });

/** Names each case's request; generated header names hold no digit, so none collides with it. */
const CASE_HEADER = 'x-fuzz-case-9';

/** Writes the bytes and resolves with everything answered until the proxy closes (bounded). */
function exchange(base: string, text: string): Promise<void> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(text, 'latin1'));
    // A safety bound only: every exchange ends with the proxy's close well before it.
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      resolve();
    });
  });
}

// Every authorization mode: the front is shared, but what reaches it after the framing checks
// (and which AS answers a made-up token) is the mode's. And with `--workers 2`, where the
// requests land on the cluster's workers, each with the policy the primary sent it; a cluster
// boot costs more than a case, so it runs a quarter of the cases.
const SETUPS = [
  ...MODES.map((mode) => ({ name: `${mode} mode`, options: { mode } satisfies HarnessOptions, scale: 0.5, workers: 1 })),
  ...MODES.map((mode) => ({ name: `${mode} mode, --workers 2`, options: { mode, startProxy: startBuiltProxy, proxy: { workers: 2 } } satisfies HarnessOptions, scale: 0.25, workers: 2 })),
];

describe.each(SETUPS)('raw HTTP front fuzzing, $name', ({ options, scale, workers }) => {
  const harness = useFileHarness(options);

  it(
    'forwards nothing the canonical judgement did not allow, and only ever the canonical target',
    async () => {
      const h = harness();
      // A forward can reach the backend after the client's exchange ended (a body the client cut
      // short is completed upstream at its own pace), so each request is told apart by its id.
      const allowedById = new Map<string, string | null>();
      let checked = 0;
      const checkArrivals = (): void => {
        for (const seen of h.backend.seen.slice(checked)) {
          const id = String(seen.headers[CASE_HEADER]);
          expect(allowedById.has(id), `a forward with no case id: ${seen.method} ${seen.url}`).toBe(true);
          expect(seen.url, `case ${id}: forwarded although the canonical judgement refused it`).toBe(allowedById.get(id));
        }
        checked = h.backend.seen.length;
      };
      await fc.assert(
        fc.asyncProperty(head, async ({ method: m, target: t, headers, body }) => {
          const id = String(allowedById.size);
          allowedById.set(id, allowedForward(m, t));
          await exchange(h.proxy.url, `${m} ${t} HTTP/1.1\r\n${CASE_HEADER}: ${id}\r\n${headers.map((x) => `${x}\r\n`).join('')}Connection: close\r\n\r\n${body}`);
          checkArrivals();
        }),
        { numRuns: fuzzRuns(scale) },
      );
      checkArrivals();
      const judgedAllowed = [...allowedById.values()].filter((a) => a !== null).length;
      // The generators must produce cases the policy allows too, or the property checks only refusals.
      expect(judgedAllowed).toBeGreaterThan(0);
      if (workers > 1) {
        // …and the cases went to a cluster that still has both its workers. Which worker judged
        // which case is not checked: most cases never reach a log line (Node's parser refuses them
        // first), and a worker's lines reach the primary over IPC only after its answers.
        const readiness = (await (await fetch(`${h.proxy.adminUrl}/readyz`)).json()) as { workers?: { ready?: number } };
        expect(readiness.workers?.ready).toBe(workers);
      }
    },
    fuzzTimeout(),
  );
});
