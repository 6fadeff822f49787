import { isLoopbackHost } from '../../common/loopback.js';
import { OxdError } from '../errors.js';
import type { OxdLogger } from '../types.js';
import { warnInsecure } from './warn.js';

/**
 * The oxd base URL, checked once: http or https, no query or fragment, path ending in '/' so
 * that command paths append to it. Plain http to a non-loopback host is allowed but reported.
 */
export function parseBaseUrl(baseUrl: string, logger: OxdLogger | undefined): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    const message = `the oxd base URL ${JSON.stringify(baseUrl)} is not a URL`;
    throw new OxdError('config_invalid', message, { cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    const message = `the oxd base URL must start with https:// or http://, got ${JSON.stringify(baseUrl)}`;
    throw new OxdError('config_invalid', message);
  }
  if (url.search !== '' || url.hash !== '') {
    const message = `the oxd base URL must not carry a query or fragment: ${JSON.stringify(baseUrl)}`;
    throw new OxdError('config_invalid', message);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    warnInsecure(
      logger,
      { oxdUrl: url.origin },
      `oxd is reached over plain http at ${url.origin}: protection tokens and RPTs cross the network unencrypted`,
    );
  }
  return url;
}
