/**
 * The built package's startProxy, for tests that run a cluster (`workers` above 1): a cluster
 * forks its workers from dist/proxy/cluster-worker-main.js, so the primary must come from dist/
 * too. global-setup.ts builds the package before any test file runs.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { startProxy as StartProxy } from '../../src/proxy/index.js';

const BUILT_PROXY = pathToFileURL(fileURLToPath(new URL('../../dist/proxy/index.js', import.meta.url))).href;

export async function builtStartProxy(): Promise<typeof StartProxy> {
  const built = (await import(BUILT_PROXY)) as { startProxy: typeof StartProxy };
  return built.startProxy;
}

/** A startProxy that starts the built package's, for options that take one synchronously. */
export const startBuiltProxy: typeof StartProxy = async (options) => (await builtStartProxy())(options);
