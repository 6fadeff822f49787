import { UmagateError, errorCode } from '../errors.js';

/**
 * Turns "address already in use" from any listener the sandbox starts into one sentence naming
 * the port and the flag that moves it, instead of a stack trace.
 */

/** A listener the sandbox asked for, and the `umagate dev` flag that sets its port. */
export interface PortFlag {
  readonly flag: string;
  readonly port: number;
}

export class PortInUseError extends UmagateError<'port_in_use'> {
  override readonly name = 'PortInUseError';
  readonly port: number;
  readonly flag: string;

  constructor(port: number, flag: string, options: { cause: unknown }) {
    super('port_in_use', `port ${port} is already in use: choose another with ${flag} <port> (0 picks a free one)`, options);
    this.port = port;
    this.flag = flag;
  }
}

interface ListenError {
  readonly code: 'EADDRINUSE';
  readonly port?: unknown;
}

/** The EADDRINUSE error in `error` or anywhere in its `cause` chain (wrappers keep it there). */
function findAddressInUse(error: unknown): ListenError | null {
  for (let current = error, depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    if (errorCode(current) === 'EADDRINUSE') return current as ListenError;
    current = 'cause' in current ? current.cause : undefined;
  }
  return null;
}

/**
 * Runs `start`; when it fails because a port is taken, throws PortInUseError naming the flag of
 * that port among `listeners` (the first one when the error does not say which port).
 */
export async function withPortFlags<T>(listeners: readonly [PortFlag, ...PortFlag[]], start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const inUse = findAddressInUse(error);
    if (inUse === null) throw error;
    const listener = listeners.find((l) => l.port === inUse.port) ?? listeners[0];
    throw new PortInUseError(typeof inUse.port === 'number' ? inUse.port : listener.port, listener.flag, { cause: error });
  }
}
