import { describe, expect, it } from 'vitest';
import { parseOxdConfig } from '../../src/oxd/config.js';

const FILE = '/etc/umagate/umagate.cfg';

function parse(oxd: string, client = ''): ReturnType<typeof parseOxdConfig> {
  return parseOxdConfig(`[oxd]\n${oxd}\n[client]\n${client}\n`, FILE);
}

describe('oxd-python quirks, fixed', () => {
  it.each([
    { value: 'true', protocol: 'https-extension' },
    { value: 'True', protocol: 'https-extension' },
    { value: 'enabled', protocol: 'https-extension' },
    { value: 'false', protocol: 'socket' },
    { value: 'FALSE', protocol: 'socket' },
    { value: '0', protocol: 'socket' },
    { value: 'no', protocol: 'socket' },
    { value: 'off', protocol: 'socket' },
    { value: '', protocol: 'socket' },
  ])('https_extension = "$value" selects $protocol', ({ value, protocol }) => {
    const host = protocol === 'socket' ? 'localhost' : 'oxd.example.org';
    expect(parse(`host = ${host}\nhttps_extension = ${value}`).protocol).toBe(protocol);
  });

  it.each([
    { lines: 'protocol = rest\nhttps_extension = true', protocol: 'rest' },
    { lines: 'protocol = socket\nhttps_extension = true', protocol: 'socket' },
    { lines: 'protocol = https-extension', protocol: 'https-extension' },
  ])('protocol wins over https_extension ($protocol)', ({ lines, protocol }) => {
    const host = protocol === 'socket' ? 'localhost' : 'oxd.example.org';
    expect(parse(`host = ${host}\n${lines}`).protocol).toBe(protocol);
  });

  it.each([
    { raw: 'openid, uma_protection', list: ['openid', 'uma_protection'] },
    { raw: ' openid ,uma_protection ,, ', list: ['openid', 'uma_protection'] },
    { raw: 'openid', list: ['openid'] },
  ])('list "$raw" is trimmed and empty items dropped', ({ raw, list }) => {
    expect(parse('', `scope = ${raw}`).client.lists.scope).toEqual(list);
  });

  it('an empty list is absent', () => {
    expect(parse('', 'scope = ,').client.lists.scope).toBeUndefined();
  });

  it.each([
    { host: 'oxd.example.org:8443', baseUrl: 'https://oxd.example.org:8443/' },
    { host: 'https://oxd.example.org:8443', baseUrl: 'https://oxd.example.org:8443/' },
    { host: 'https://oxd.example.org/oxd/', baseUrl: 'https://oxd.example.org/oxd/' },
    { host: 'http://127.0.0.1:8443', baseUrl: 'http://127.0.0.1:8443/' },
  ])('HTTP host "$host" becomes base URL $baseUrl', ({ host, baseUrl }) => {
    expect(parse(`host = ${host}\nprotocol = rest`).baseUrl).toBe(baseUrl);
  });
});

describe('oxd config reading', () => {
  it('applies defaults for what is absent', () => {
    expect(parse('')).toMatchObject({
      protocol: 'socket',
      host: 'localhost',
      port: 8099,
      baseUrl: null,
      oxdId: null,
      timeoutMs: 5000,
      caFile: null,
      insecureSkipTlsVerify: false,
    });
  });

  it.each([
    { line: 'port = 9000 ; the socket port', key: 'port', value: 9000 },
    { line: 'PORT = 9001', key: 'port', value: 9001 },
    { line: 'port: 9002', key: 'port', value: 9002 },
    { line: 'timeout_ms = 250', key: 'timeoutMs', value: 250 },
    { line: 'id =', key: 'oxdId', value: null },
    { line: 'id = site-1', key: 'oxdId', value: 'site-1' },
    { line: 'insecure_skip_tls_verify = yes', key: 'insecureSkipTlsVerify', value: true },
    { line: 'ca_file = certs/ca.pem', key: 'caFile', value: '/etc/umagate/certs/ca.pem' },
    { line: 'ca_file = /opt/ca.pem', key: 'caFile', value: '/opt/ca.pem' },
  ])('reads "$line"', ({ line, key, value }) => {
    expect(parse(line)).toHaveProperty(key, value);
  });

  it('takes values literally: no % interpolation, # kept', () => {
    const config = parse('', 'client_secret = 50%%off#1\nclient_name = App #2');
    expect(config.client.scalars.client_secret).toBe('50%%off#1');
    expect(config.client.scalars.client_name).toBe('App #2');
  });

  it('keeps comments, indented comments and unknown keys out of the values', () => {
    const config = parseOxdConfig(
      '; top\n[oxd]\nhost = localhost   ; socket host\n                 ;   continued comment\nfuture_key = 1\n# hash comment\n[client]\nop_host = https://op\n[other]\nx = y\n',
      FILE,
    );
    expect(config.host).toBe('localhost');
    expect(config.client.scalars.op_host).toBe('https://op');
  });
});
