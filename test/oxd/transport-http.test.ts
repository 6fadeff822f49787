import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { OxdError } from '../../src/oxd/errors.js';
import { createHttpTransport } from '../../src/oxd/transport/http.js';
import type { HttpTransportOptions, OxdTransport } from '../../src/oxd/transport/types.js';
import type { OxdLogger } from '../../src/oxd/types.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { rejection } from './harness.js';

/** A scripted oxd HTTP server that records what it was sent. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Script = (request: Received, response: ServerResponse) => void;

interface FakeOxd {
  readonly server: Server;
  readonly received: Received[];
  readonly baseUrl: string;
  connections: number;
}

const servers: Server[] = [];
const transports: OxdTransport[] = [];

async function startOxd(script: Script): Promise<FakeOxd> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(request);
      script(request, res);
    });
  });
  servers.push(server);
  const port = await listenOn(server);
  const oxd: FakeOxd = { server, received, baseUrl: `http://127.0.0.1:${port}/`, connections: 0 };
  server.on('connection', () => { oxd.connections += 1; });
  return oxd;
}

function answer(status: number, body: string, contentType = 'application/json'): Script {
  return (_request, res) => {
    res.writeHead(status, body === '' ? {} : { 'content-type': contentType });
    res.end(body);
  };
}

function transportFor(options: Partial<HttpTransportOptions> & { baseUrl: string }): OxdTransport {
  const transport = createHttpTransport({ protocol: 'rest', timeoutMs: 2000, ...options });
  transports.push(transport);
  return transport;
}

function recordingLogger(): { readonly logger: OxdLogger; readonly warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  const warn = (_fields: object, message?: string): void => {
    warnings.push(message ?? '');
  };
  return { warnings, logger: { warn, info: ignore, debug: ignore } };
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  await Promise.all(servers.splice(0).map((server) => closeServer(server)));
});

const protocols = ['https-extension', 'rest'] as const;

describe('http transport requests', () => {
  it.each(protocols)('%s: POSTs the bare params as JSON to the dashed command path', async (protocol) => {
    const oxd = await startOxd(answer(200, '{}'));
    const params = { oxd_id: 'o', path: '/photo', rpt: 'Zoë' };
    await transportFor({ protocol, baseUrl: oxd.baseUrl }).send('uma_rs_check_access', params, 'pat');
    const [request] = oxd.received;
    expect(request).toMatchObject({ method: 'POST', url: '/uma-rs-check-access' });
    expect(JSON.parse(request!.body)).toStrictEqual(params);
    expect(request!.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json' });
    expect(request!.headers['user-agent']).toMatch(/^umagate\/\d+\.\d+\.\d+/);
  });

  it('appends the command to a base path, adding the missing slash', async () => {
    const oxd = await startOxd(answer(200, '{}'));
    await transportFor({ baseUrl: `${oxd.baseUrl}oxd` }).send('get_rp', {}, null);
    expect(oxd.received[0]?.url).toBe('/oxd/get-rp');
  });

  it.each([
    ['https-extension', 'setup_client', 'pat', undefined],
    ['https-extension', 'get_client_token', 'pat', undefined],
    ['https-extension', 'uma_rs_protect', 'pat', 'Bearer pat'],
    ['https-extension', 'uma_rs_protect', null, undefined],
    ['rest', 'get_client_token', 'pat', 'Bearer pat'],
    ['rest', 'register_site', 'pat', 'Bearer pat'],
    ['rest', 'uma_rs_check_access', 'pat', 'Bearer pat'],
    ['rest', 'uma_rs_check_access', null, undefined],
  ] as const)('%s %s with token %s sends Authorization %s', async (protocol, command, token, authorization) => {
    const oxd = await startOxd(answer(200, '{}'));
    await transportFor({ protocol, baseUrl: oxd.baseUrl }).send(command, {}, token);
    expect(oxd.received[0]?.headers.authorization).toBe(authorization);
  });

  it('keeps the connection alive across calls', async () => {
    const oxd = await startOxd(answer(200, '{}'));
    const transport = transportFor({ baseUrl: oxd.baseUrl });
    for (let i = 0; i < 10; i++) await transport.send('get_rp', {}, null);
    // undici may open a second connection while the first is still finishing a response.
    expect(oxd.connections).toBeLessThanOrEqual(2);
  });
});

describe('http transport answers', () => {
  const data = { access: 'granted', 'www-authenticate_header': null, ticket: null };
  it.each(protocols.flatMap((protocol) => [
    [protocol, 'wrapped', JSON.stringify({ status: 'ok', data })],
    [protocol, 'bare', JSON.stringify(data)],
  ]))('%s: a 200 with a %s body resolves to the data', async (protocol, _shape, body) => {
    const oxd = await startOxd(answer(200, body));
    const transport = transportFor({ protocol, baseUrl: oxd.baseUrl });
    await expect(transport.send('uma_rs_check_access', {}, 'pat')).resolves.toStrictEqual(data);
  });

  const needInfo = {
    error: 'need_info',
    ticket: 't-2',
    required_claims: [{ name: 'email' }],
    redirect_user: 'https://as/claims',
  };
  const wrapped = (error: string, description: string, details: unknown = null): string =>
    JSON.stringify({ status: 'error', data: { error, error_description: description, details } });
  const bare = (body: Record<string, unknown>): string => JSON.stringify(body);
  const internalError = { error: 'internal_error', error_description: 'Failed to get RPT.', details: null, reason: null };
  const notConnected = 'Command client is not able to connect to oxd-server.';
  const nullResponse = 'Command response is null, please check oxd-server.log file of oxd-server application.';
  const invalidParameters = 'Invalid parameters. Message: Unexpected character';

  it.each<[string, number, string, Partial<OxdError>]>([
    ['a wrapped error with HTTP 200', 200, wrapped('invalid_request', 'Path is not protected.'),
      { code: 'invalid_request', description: 'Path is not protected.', status: 200, details: null }],
    ['a wrapped need_info with HTTP 200', 200, wrapped('need_info', 'more info', needInfo),
      { code: 'need_info', status: 200, details: needInfo }],
    ['the extension refusing a missing token', 403, wrapped('403', 'Forbidden Access'),
      { code: '403', description: 'Forbidden Access', status: 403 }],
    ['a wrapped http_status error', 200, wrapped('http_status_400', '{"error":"invalid_grant"}'),
      { code: 'http_status_400', description: '{"error":"invalid_grant"}' }],
    ['a bare need_info with HTTP 403', 403, bare(needInfo),
      { code: 'need_info', status: 403, details: needInfo }],
    ['a bare error with details', 400, bare({ error: 'bad_request', error_description: 'no oxd_id', details: { f: 1 } }),
      { code: 'bad_request', description: 'no oxd_id', status: 400, details: { f: 1 } }],
    ['a bare error with null details', 500, bare(internalError),
      { code: 'internal_error', status: 500, details: internalError }],
    ['a bare http_status error', 401, bare({ error: 'http_status_401', error_description: '{"error":"invalid_client"}' }),
      { code: 'http_status_401', status: 401 }],
    ['oxd 4.0 refusing a missing token with an empty 403', 403, '',
      { code: 'blank_access_token', status: 403 }],
    ['the extension unable to reach oxd-server', 500, notConnected,
      { code: 'oxd_unreachable', status: 500, description: notConnected }],
    ['the extension getting no answer from oxd-server', 500, nullResponse,
      { code: 'oxd_unreachable', status: 500, description: nullResponse }],
    ['oxd refusing a body that is not JSON', 400, invalidParameters,
      { code: 'bad_request', status: 400, description: invalidParameters }],
    ['an HTML error page', 502, '<html><body>Bad Gateway</body></html>', { code: 'oxd_bad_response', status: 502 }],
    ['a 500 text body oxd never sends', 500, 'java.lang.NullPointerException', { code: 'oxd_bad_response', status: 500 }],
    ['a 200 text body', 200, 'running', { code: 'oxd_bad_response', status: 200 }],
    ['a 200 with no body', 200, '', { code: 'oxd_bad_response', status: 200 }],
    ['a 200 JSON array', 200, '[]', { code: 'oxd_bad_response', status: 200 }],
    ['a 404 JSON body without an error code', 404, bare({ code: 404, message: 'HTTP 404 Not Found' }),
      { code: 'oxd_bad_response', status: 404 }],
    ['a success envelope with HTTP 500', 500, bare({ status: 'ok', data: {} }), { code: 'oxd_bad_response', status: 500 }],
    ['an error envelope without a code', 200, bare({ status: 'error', data: {} }), { code: 'oxd_bad_response', status: 200 }],
  ])('maps %s (HTTP %i) to its OxdError', async (_name, status, body, expected) => {
    const contentType = body.startsWith('{') || body.startsWith('[') ? 'application/json' : 'text/plain';
    for (const protocol of protocols) {
      const oxd = await startOxd(answer(status, body, contentType));
      const error = await rejection(transportFor({ protocol, baseUrl: oxd.baseUrl }).send('uma_rp_get_rpt', {}, 'pat'));
      expect(error).toMatchObject({ ...expected, command: 'uma_rp_get_rpt' });
    }
  });
});

describe('http transport failures', () => {
  it('rejects with oxd_unreachable when nothing listens', async () => {
    const oxd = await startOxd(answer(200, '{}'));
    await closeServer(oxd.server);
    const error = await rejection(transportFor({ baseUrl: oxd.baseUrl }).send('get_rp', {}, null));
    expect(error.code).toBe('oxd_unreachable');
    expect(error.cause).toBeDefined();
  });

  it.each<[string, Script]>([
    ['sends no headers', () => undefined],
    ['sends headers but never finishes the body', (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    }],
  ])('times out when oxd %s', async (_name, script) => {
    const oxd = await startOxd(script);
    const error = await rejection(transportFor({ baseUrl: oxd.baseUrl, timeoutMs: 100 }).send('get_rp', {}, null));
    expect(error).toMatchObject({ code: 'oxd_timeout', command: 'get_rp' });
  });

  it('fails in-flight and later calls with oxd_unreachable once closed', async () => {
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => { arrived = resolve; });
    const oxd = await startOxd(() => { arrived(); });
    const transport = transportFor({ baseUrl: oxd.baseUrl });
    const inFlight = rejection(transport.send('get_rp', {}, null));
    await requestArrived;
    await transport.close();
    expect((await inFlight).code).toBe('oxd_unreachable');
    expect((await rejection(transport.send('get_rp', {}, null))).code).toBe('oxd_unreachable');
  });
});

describe('http transport configuration', () => {
  it.each([
    ['not a URL', 'oxd:8443'],
    ['another scheme', 'ftp://127.0.0.1/'],
    ['a query', 'https://127.0.0.1:8443/?x=1'],
  ])('refuses a base URL that is %s with config_invalid', (_name, baseUrl) => {
    expect(() => createHttpTransport({ protocol: 'rest', baseUrl, timeoutMs: 1000 })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('refuses a zero timeout with config_invalid', () => {
    expect(() => createHttpTransport({ protocol: 'rest', baseUrl: 'https://127.0.0.1/', timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it.each([
    ['http://oxd.example.org:8443/', 1],
    ['http://10.0.0.5:8443/', 1],
    ['http://127.0.0.1:8443/', 0],
    ['http://127.8.9.10:8443/', 0],
    ['http://localhost:8443/', 0],
    ['http://[::1]:8443/', 0],
    ['https://oxd.example.org:8443/', 0],
  ])('for %s logs %i plain-http warnings', async (baseUrl, warnings) => {
    const { logger, warnings: logged } = recordingLogger();
    await createHttpTransport({ protocol: 'rest', baseUrl, timeoutMs: 1000, logger }).close();
    expect(logged.filter((message) => message.includes('plain http'))).toHaveLength(warnings);
  });

  it('reports an insecure setting as a process warning when given no logger', async () => {
    const warned = once(process, 'warning');
    await createHttpTransport({ protocol: 'rest', baseUrl: 'http://oxd.example.org/', timeoutMs: 1000 }).close();
    expect((await warned)[0]).toMatchObject({ code: 'UMAGATE_INSECURE_OXD' });
  });
});
