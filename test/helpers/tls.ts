import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether the openssl CLI is available to mint test certificates. */
export const hasOpenssl: boolean = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

export interface SelfSignedCert {
  readonly dir: string;
  readonly certFile: string;
  readonly cert: string;
  readonly key: string;
}

/** A fresh self-signed certificate for 127.0.0.1 and localhost, valid for one day. */
export function makeSelfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'umagate-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=umagate test oxd',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  return { dir, certFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

export function removeCert(cert: SelfSignedCert): void {
  rmSync(cert.dir, { recursive: true, force: true });
}
