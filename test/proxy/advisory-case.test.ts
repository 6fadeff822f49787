/**
 * Advisory class: case tricks. oxd matches protected paths case-insensitively, and so do many
 * backends (Windows, IIS, case-insensitive routers): a case-sensitive matcher would let
 * `/ADMIN` slip past the protection of `/admin`. Conversely a public `/health` must not make
 * `/HEALTH` public (the backend may map it elsewhere). umagate: protected literals match
 * case-insensitively, public ones case-sensitively — case can only make a path MORE protected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('case variants', () => {
  it.each(['/ADMIN', '/Admin', '/aDmIn', '/%41dmin'])('%s is the protected /admin (401 with a ticket)', async (target) => {
    const res = await h.send(target);
    expect(res.status).toBe(401);
    expect(res.json().code).toBe('uma_ticket');
  });

  it('/HEALTH is not the public /health (403 unprotected)', async () => {
    const res = await h.send('/HEALTH');
    expect(res.status).toBe(403);
    expect(h.backend.seen).toHaveLength(0);
  });
});
