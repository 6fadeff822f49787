/**
 * Advisory class: case tricks. oxd matches protected paths case-insensitively, and so do many
 * backends (Windows, IIS, case-insensitive routers): a case-sensitive matcher would let
 * `/ADMIN` slip past the protection of `/admin`. Conversely a public `/health` must not make
 * `/HEALTH` public (the backend may map it elsewhere). umagate: protected literals match
 * case-insensitively, public ones case-sensitively — case can only make a path MORE protected.
 */
import { describe, it } from 'vitest';
import { expectRefused, useFileHarness } from './harness.js';

const harness = useFileHarness();

describe('case variants', () => {
  it.each(['/ADMIN', '/Admin', '/aDmIn', '/%41dmin'])('%s is the protected /admin (401 with a ticket)', async (target) => {
    await expectRefused(harness(), target, 401, 'uma_ticket');
  });

  it('/HEALTH is not the public /health (403 unprotected)', async () => {
    await expectRefused(harness(), '/HEALTH', 403, 'unprotected');
  });
});
