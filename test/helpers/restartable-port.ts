/**
 * Ports for servers a test stops and starts again (an authorization service that dies and
 * returns). A port the OS chose for port 0 comes from the ephemeral range, where any other
 * test's outgoing connection or port-0 listener may be handed it while the server is down; the
 * restart then fails with EADDRINUSE. These ports come from below that range, and each vitest
 * worker takes them from its own block, so nothing else running the suite is given them.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';

/** Above every port fetch refuses to connect to (its "bad ports", the highest being 10080). */
const FLOOR = 20_000;
const BLOCK = 200;
/** Linux's default; macOS and Windows start theirs higher. */
const DEFAULT_EPHEMERAL_START = 32_768;

function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low >= FLOOR + BLOCK ? low : DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
}

export const PORT_SEED_ENV = 'UMAGATE_TEST_PORT_SEED';

function nonNegativeInteger(text: string | undefined, fallback: number): number {
  const value = Number.parseInt(text ?? '', 10);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}

const blocks = Math.floor((ephemeralRangeStart() - FLOOR) / BLOCK);
const pool = Math.max(nonNegativeInteger(process.env['VITEST_POOL_ID'], 1), 1);
const seed = nonNegativeInteger(process.env[PORT_SEED_ENV], 0);
const blockStart = FLOOR + ((seed + pool - 1) % blocks) * BLOCK;
let handedOut = 0;

async function bindable(port: number): Promise<boolean> {
  const probe = createServer();
  probe.listen(port, '127.0.0.1');
  const [event] = await Promise.race([once(probe, 'listening').then(() => ['listening']), once(probe, 'error').then(() => ['error'])]);
  if (event !== 'listening') return false;
  probe.close();
  await once(probe, 'close');
  return true;
}

/** A free loopback port outside the ephemeral range, from this worker's block. */
export async function restartablePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK; tried++) {
    const port = blockStart + (handedOut++ % BLOCK);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}-${blockStart + BLOCK - 1}`);
}
