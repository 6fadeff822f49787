/**
 * An upstream whose answer to a held request waits until the test releases it: a request that is
 * provably in flight (it has reached the backend) for as long as the test needs, with no timer.
 * Requests not held are answered at once with `METHOD url`.
 */
import { createServer } from 'node:http';
import { closeServer, listenOn } from '../helpers/listen.js';

export interface HeldRequest {
  /** Resolves once the held request has reached the backend. */
  readonly arrived: Promise<void>;
  /** Lets the backend answer it. */
  release(): void;
}

export interface GatedBackend {
  readonly url: string;
  /** Holds the next request that arrives. */
  hold(): HeldRequest;
  close(): Promise<void>;
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function deferred(): Deferred {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export async function startGatedBackend(): Promise<GatedBackend> {
  let gate: { readonly arrived: Deferred; readonly released: Deferred } | null = null;
  const server = createServer((req, res) => {
    req.resume();
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.method ?? ''} ${req.url ?? ''}`);
    };
    const held = gate;
    gate = null;
    if (held === null) {
      answer();
      return;
    }
    held.arrived.resolve();
    void held.released.promise.then(answer);
  });
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}`,
    hold() {
      const held = { arrived: deferred(), released: deferred() };
      gate = held;
      return { arrived: held.arrived.promise, release: held.released.resolve };
    },
    close: () => closeServer(server),
  };
}
