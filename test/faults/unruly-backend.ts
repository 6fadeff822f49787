/**
 * A backend whose behaviour the test switches: answer normally, accept and never answer, or send
 * a head promising a body and reset the connection half-way through it. It counts what reached it.
 * (A refusing backend is a port nothing listens on: `restartablePort()`, never handed to anyone else.)
 */
import { createServer, type Server } from 'node:http';
import { closeServer, listenOn } from '../helpers/listen.js';
import { bearer, send } from '../proxy/harness.js';

export type Behaviour = 'answer' | 'hang' | 'reset_mid_body';

export interface UnrulyBackend {
  readonly url: string;
  /** Request targets received, in order. */
  readonly seen: readonly string[];
  behave(behaviour: Behaviour): void;
  close(): Promise<void>;
}

export async function startUnrulyBackend(): Promise<UnrulyBackend> {
  const seen: string[] = [];
  let behaviour: Behaviour = 'answer';
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    req.resume();
    if (behaviour === 'hang') return;
    if (behaviour === 'reset_mid_body') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100), () => res.socket?.resetAndDestroy());
      return;
    }
    res.end('ok');
  });
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    behave: (next) => {
      behaviour = next;
    },
    close: () => closeServer(server),
  };
}

/** The status counted for an exchange the proxy cut after the head (the client saw a reset). */
export const CUT = 0;

/** The status a granted GET /photo through the proxy at `base` got, or CUT. */
export async function statusOrCut(base: string, rpt: string): Promise<number> {
  try {
    return (await send(base, '/photo', { headers: bearer(rpt) })).status;
  } catch {
    return CUT;
  }
}

/** The statuses as the scenario's figure: `cut×6 200×2`. */
export function statusFigure(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return countsFigure(counts);
}

/** Counts by status as a scenario's figure, statuses in order: `cut×6 200×2 503×4`. */
export function countsFigure(counts: ReadonlyMap<number, number>): string {
  return [...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s === CUT ? 'cut' : s}×${n}`).join(' ');
}
