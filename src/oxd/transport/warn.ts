import type { OxdLogger } from '../types.js';

/**
 * Reports a weakened security setting. Without a logger it still reaches stderr as a process
 * warning: an insecure switch must never be silent.
 */
export function warnInsecure(logger: OxdLogger | undefined, fields: object, message: string): void {
  if (logger === undefined) process.emitWarning(message, { code: 'UMAGATE_INSECURE_OXD' });
  else logger.warn(fields, message);
}
