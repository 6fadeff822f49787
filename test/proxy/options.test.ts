/** Serve options: defaults, parsing, and every problem reported at once. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { OptionsError } from '../../src/proxy/errors.js';
import { isTrustedPeer, resolveServeOptions, type ServeOptionsInput } from '../../src/proxy/options.js';

/** A fresh temporary directory, removed when the test ends. */
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function problems(input: ServeOptionsInput): string[] {
  try {
    resolveServeOptions(input);
  } catch (err) {
    return (err as OptionsError).problems.map((p) => `${p.option}: ${p.message}`);
  }
  return [];
}

describe('resolveServeOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveServeOptions({ upstream: 'http://127.0.0.1:3000' });
    expect(o).toMatchObject({
      policyFile: 'policies.yaml',
      oxdConfig: 'umagate.cfg',
      listen: { host: '0.0.0.0', port: 8080 },
      adminListen: { host: '0.0.0.0', port: 9090 },
      passCredentials: 'pass',
      cacheTtlSeconds: 60,
      cacheMax: 10_000,
      trustProxy: [],
      logLevel: 'info',
      upstreamTimeoutMs: 30_000,
      oxdTimeoutMs: 5_000,
      oxdPerClient: 16,
    });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('collects every problem in one OptionsError', () => {
    let error: unknown;
    try {
      resolveServeOptions({ listen: 'nope', passCredentials: 'phantom', cacheTtl: '-1', cacheMax: '1.5', oxdPerClient: '0', trustProxy: '10.0.0.0/33', logLevel: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionsError);
    const options = (error as OptionsError).problems.map((p) => p.option);
    expect(options).toEqual(['--upstream', '--listen', '--pass-credentials', '--cache-ttl', '--cache-max', '--oxd-per-client', '--log-level', '--trust-proxy']);
  });

  it.each([
    { tuning: { breaker: { failureThreshold: 0 } }, option: 'breaker.failureThreshold' },
    { tuning: { breaker: { failureThreshold: 1.5 } }, option: 'breaker.failureThreshold' },
    { tuning: { breaker: { probeIntervalMs: -1 } }, option: 'breaker.probeIntervalMs' },
    { tuning: { headersTimeoutMs: Number.NaN }, option: 'headersTimeoutMs' },
  ])('refuses $option in $tuning (a breaker that never opens, a deadline that never passes)', ({ tuning, option }) => {
    expect(() => resolveServeOptions({ upstream: 'http://u', ...tuning })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ option })] }) as Error,
    );
  });

  it.each([
    { value: '127.0.0.1:0', host: '127.0.0.1', port: 0 },
    { value: '[::1]:8080', host: '::1', port: 8080 },
    { value: ':9000', host: '0.0.0.0', port: 9000 },
    { value: '9000', host: '0.0.0.0', port: 9000 },
  ])('--listen $value', ({ value, host, port }) => {
    expect(resolveServeOptions({ upstream: 'http://u', listen: value }).listen).toEqual({ host, port });
  });

  it('--upstream-ca-file: added to the trusted certificates, and refused with the reason', async () => {
    const dir = await tempDir('umagate-options-');
    const pem = join(dir, 'ca.pem');
    await writeFile(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const notPem = join(dir, 'ca.txt');
    await writeFile(notPem, 'hello');
    expect(resolveServeOptions({ upstream: 'https://backend.internal' }).upstreamCa).toBeNull();
    expect(resolveServeOptions({ upstream: 'https://backend.internal', upstreamCaFile: pem }).upstreamCa?.at(-1)).toContain('BEGIN CERTIFICATE');
    expect(problems({ upstream: 'https://backend.internal', upstreamCaFile: notPem })).toEqual([`--upstream-ca-file: ${notPem} holds no PEM certificate`]);
    expect(problems({ upstream: 'https://backend.internal', upstreamCaFile: join(dir, 'missing.pem') })[0]).toMatch(/^--upstream-ca-file: cannot read .*missing\.pem: /);
    expect(problems({ upstream: 'http://backend.internal', upstreamCaFile: pem })).toEqual(['--upstream-ca-file: applies to an https:// upstream only, and --upstream is http://backend.internal/']);
  });

  it('trust-proxy CIDRs match IPv4, IPv4-mapped and IPv6 peers', () => {
    const o = resolveServeOptions({ upstream: 'http://u', trustProxy: '10.0.0.0/8, ::1' });
    expect(isTrustedPeer(o, '10.2.3.4')).toBe(true);
    expect(isTrustedPeer(o, '::ffff:10.2.3.4')).toBe(true);
    expect(isTrustedPeer(o, '::1')).toBe(true);
    expect(isTrustedPeer(o, '11.0.0.1')).toBe(false);
    expect(isTrustedPeer(resolveServeOptions({ upstream: 'http://u' }), '127.0.0.1')).toBe(false);
  });
});

describe('resolveServeOptions: --authz uma2 (direct mode)', () => {
  const base = { upstream: 'http://127.0.0.1:3000', authz: 'uma2', clientId: 'umagate', clientSecret: 's3cret' } as const;

  it('appends the well-known suffix to the issuer, keeping its path, and applies the defaults', () => {
    const o = resolveServeOptions({ ...base, issuer: 'https://kc.example.org/realms/demo/' });
    expect(o.authz).toBe('uma2');
    expect(o.uma2).toMatchObject({
      discoveryUrl: new URL('https://kc.example.org/realms/demo/.well-known/uma2-configuration'),
      issuer: 'https://kc.example.org/realms/demo/',
      dialect: 'auto',
      rptVerify: 'introspect',
      stateFile: '.umagate-state/uma-resources.json',
      realm: 'rs',
      resourceNamePrefix: '',
      insecureSkipTlsVerify: false,
      allowHttpAs: false,
      timeoutMs: 5_000,
    });
  });

  it('takes a full discovery URL as given', () => {
    const o = resolveServeOptions({ ...base, umaDiscovery: 'https://jans.example.org/jans-auth/restv1/uma2-configuration' });
    expect(o.uma2?.discoveryUrl.href).toBe('https://jans.example.org/jans-auth/restv1/uma2-configuration');
    expect(o.uma2?.issuer).toBeNull();
  });

  it('oxd mode stays the default and refuses direct-mode flags instead of ignoring them', () => {
    expect(resolveServeOptions({ upstream: 'http://u' }).authz).toBe('oxd');
    expect(problems({ upstream: 'http://u', issuer: 'https://kc', asTimeout: 3 })).toEqual([
      '--issuer: belongs to direct mode: add --authz uma2 (or UMAGATE_AUTHZ=uma2), or drop it',
      '--as-timeout: belongs to direct mode: add --authz uma2 (or UMAGATE_AUTHZ=uma2), or drop it',
    ]);
  });

  it('direct mode refuses oxd flags and reports every missing setting at once', () => {
    expect(problems({ upstream: 'http://u', authz: 'uma2', oxdConfig: 'umagate.cfg', oxdTimeout: 2 }).map((p) => p.split(':')[0])).toEqual([
      '--oxd-config',
      '--oxd-timeout',
      '--issuer',
      '--client-id',
      '--client-secret-file',
    ]);
  });

  it.each([
    { name: 'plain HTTP off loopback', input: { issuer: 'http://kc.example.org/realms/x' }, option: '--issuer' },
    { name: 'both --issuer and --uma-discovery', input: { issuer: 'https://a', umaDiscovery: 'https://b' }, option: '--issuer' },
    { name: 'an unknown dialect', input: { issuer: 'https://a', asDialect: 'okta' }, option: '--as-dialect' },
    { name: 'an unknown RPT check', input: { issuer: 'https://a', rptVerify: 'trust' }, option: '--rpt-verify' },
    { name: 'a realm that would break the quoted header', input: { issuer: 'https://a', umaRealm: 'r"s' }, option: '--uma-realm' },
    { name: 'a zero deadline', input: { issuer: 'https://a', asTimeout: '0' }, option: '--as-timeout' },
    { name: 'an unreadable secret file', input: { issuer: 'https://a', clientSecret: undefined, clientSecretFile: '/nonexistent/secret' }, option: '--client-secret-file' },
    { name: 'a switch that is not a boolean', input: { issuer: 'https://a', insecureSkipTlsVerify: 'maybe' }, option: '--insecure-skip-tls-verify' },
  ])('refuses $name', ({ input, option }) => {
    expect(problems({ ...base, ...input }).map((p) => p.split(':')[0])).toEqual([option]);
  });

  it('takes --workers above 1 (each worker decides under the ids the primary registered)', () => {
    expect(resolveServeOptions({ ...base, issuer: 'https://a', workers: 2 }).workers).toBe(2);
  });

  it('accepts plain HTTP on loopback, and elsewhere only with --allow-http-as', () => {
    expect(problems({ ...base, issuer: 'http://127.0.0.1:8180/realms/x' })).toEqual([]);
    expect(problems({ ...base, issuer: 'http://kc.internal/realms/x', allowHttpAs: 'true' })).toEqual([]);
  });

  it('reads the secret from a file, without the trailing newline a mount or echo adds', async () => {
    const file = join(await tempDir('umagate-secret-'), 'secret');
    await writeFile(file, 'from-a-file\n');
    const o = resolveServeOptions({ ...base, clientSecret: undefined, clientSecretFile: file, issuer: 'https://a' });
    expect(o.uma2?.clientSecret).toBe('from-a-file');
    expect(problems({ ...base, clientSecretFile: file, issuer: 'https://a' })).toEqual(['--client-secret-file: and UMAGATE_CLIENT_SECRET are alternatives: give one']);
  });
});
