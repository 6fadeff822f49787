/**
 * What the soak and the memory bench put behind the proxy process they start, in this process:
 * the echo backend, the bench policy in a temp directory, and the authorization service the caller
 * starts there (startGrantingOxd, or the soak's dev AS in direct mode), granting every RPT with a
 * given prefix (`grantingRptPrefix`, dev and load tests only). Issuing hundreds of thousands of
 * RPTs through real grant flows would take longer than the run itself; the proxy cannot tell.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevOxd } from '../src/devoxd/index.js';
import { startEchoBackend } from '../src/sandbox/echo-backend.js';
import { Closers } from './closers.js';
import { POLICY, iniText } from './proxy-rig.js';

interface Closable {
  close(): Promise<void>;
}

export interface GrantingRig<A extends Closable> {
  /** The policy file, in the temp directory the authority also writes its files to. */
  readonly policy: string;
  readonly backendUrl: string;
  readonly authority: A;
  /** Stops the backend and the authority, and removes the directory. */
  close(): Promise<void>;
}

/** `name` names the temp directory; `startAuthority` starts the authorization service, given that directory for its files. */
export async function startGrantingRig<A extends Closable>(name: string, startAuthority: (dir: string) => Promise<A>): Promise<GrantingRig<A>> {
  const dir = await mkdtemp(join(tmpdir(), `umagate-${name}-`));
  const closers = new Closers();
  closers.add(() => rm(dir, { recursive: true, force: true }));
  const close = (): Promise<void> => closers.closeAll();
  try {
    const authority = await startAuthority(dir);
    closers.add(() => authority.close());
    const backend = await startEchoBackend({ host: '127.0.0.1', port: 0 });
    closers.add(() => backend.close());
    const policy = join(dir, 'policies.yaml');
    await writeFile(policy, POLICY);
    return { policy, backendUrl: backend.url, authority, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The dev oxd (REST), granting RPTs that start with `prefix`, and an oxd ini for it in `dir`. */
export async function startGrantingOxd(prefix: string, dir: string): Promise<{ readonly oxdConfig: string; close(): Promise<void> }> {
  const oxd = await startDevOxd({ socketPort: null, restPort: 0, grantingRptPrefix: prefix, callLogLimit: 1 });
  const oxdConfig = join(dir, 'umagate.cfg');
  await writeFile(oxdConfig, iniText(oxd.restUrl ?? '', oxd.opHost));
  return { oxdConfig, close: () => oxd.close() };
}
