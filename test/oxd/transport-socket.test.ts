import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { OxdError } from '../../src/oxd/errors.js';
import { createSocketTransport } from '../../src/oxd/transport/socket.js';
import type { OxdTransport, SocketTransportOptions } from '../../src/oxd/transport/types.js';
import { closeServer, listenOn } from '../helpers/listen.js';
import { rejection } from './harness.js';

/**
 * A scripted oxd-server speaking the 3.1.x socket framing, byte for byte. It records every
 * request frame and flags what real oxd would silently mishandle: a frame sent while the
 * previous one on the same connection is unanswered, or a non-ASCII byte.
 */
interface Received {
  readonly connection: number;
  readonly raw: string;
  readonly command: string;
  readonly params: Record<string, unknown>;
}

interface Reply {
  readonly socket: Socket;
  readonly request: Received;
  /** Writes a complete response frame and frees the connection for its next request. */
  ok(data: unknown): void;
  error(error: string, description: string, details?: unknown): void;
  /** Writes bytes as given, framing included; frees the connection. */
  raw(bytes: string | Buffer): void;
}

type Script = (reply: Reply) => void;

/** A frame as oxd writes it: prefix in UTF-16 code units, text as raw UTF-8. */
function oxdFrame(json: string): Buffer {
  return Buffer.from(String(json.length).padStart(4, '0') + json, 'utf8');
}

class FakeOxd {
  readonly server: Server;
  readonly received: Received[] = [];
  readonly violations: string[] = [];
  connections = 0;
  bytesReceived = 0;
  port = 0;

  constructor(script: Script) {
    this.server = createServer((socket) => {
      this.#serve(socket, script);
    });
  }

  async start(): Promise<this> {
    this.port = await listenOn(this.server);
    return this;
  }

  #serve(socket: Socket, script: Script): void {
    const connection = ++this.connections;
    let buffered = '';
    let busy = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      if (chunk.some((byte) => byte > 0x7f)) this.violations.push(`non-ASCII byte on connection ${connection}`);
      buffered += chunk.toString('latin1');
      while (buffered.length >= 4 && buffered.length >= 4 + Number(buffered.slice(0, 4))) {
        const end = 4 + Number(buffered.slice(0, 4));
        const raw = buffered.slice(0, end);
        buffered = buffered.slice(end);
        if (busy) this.violations.push(`pipelined request on connection ${connection}`);
        busy = true;
        const envelope = JSON.parse(raw.slice(4)) as { command: string; params: Record<string, unknown> };
        const request = { connection, raw, command: envelope.command, params: envelope.params };
        this.received.push(request);
        const send = (bytes: string | Buffer): void => {
          busy = false;
          socket.write(bytes);
        };
        script({
          socket,
          request,
          ok: (data) => { send(oxdFrame(JSON.stringify({ status: 'ok', data }))); },
          error: (error, description, details = null) => {
            const data = { error, error_description: description, details };
            send(oxdFrame(JSON.stringify({ status: 'error', data })));
          },
          raw: send,
        });
      }
    });
  }
}

const echo: Script = (reply) => { reply.ok({ command: reply.request.command, params: reply.request.params }); };

const servers: FakeOxd[] = [];
const transports: OxdTransport[] = [];

async function startOxd(script: Script): Promise<FakeOxd> {
  const oxd = await new FakeOxd(script).start();
  servers.push(oxd);
  return oxd;
}

function transportFor(oxd: FakeOxd, options: Partial<SocketTransportOptions> = {}): OxdTransport {
  const transport = createSocketTransport({ host: '127.0.0.1', port: oxd.port, timeoutMs: 2000, ...options });
  transports.push(transport);
  return transport;
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  await Promise.all(servers.splice(0).map((oxd) => closeServer(oxd.server)));
});

describe('socket transport framing', () => {
  it('sends the command envelope in one length-prefixed frame and returns the data', async () => {
    const oxd = await startOxd(echo);
    const data = await transportFor(oxd).send('get_rp', { oxd_id: 'abc' }, null);
    expect(data).toStrictEqual({ command: 'get_rp', params: { oxd_id: 'abc' } });
    const json = '{"command":"get_rp","params":{"oxd_id":"abc"}}';
    expect(oxd.received.map((r) => r.raw)).toStrictEqual([String(json.length).padStart(4, '0') + json]);
  });

  it.each([
    ['a token', 'pat-1', { oxd_id: 'abc', protection_access_token: 'pat-1' }],
    ['no token', null, { oxd_id: 'abc' }],
  ])('puts %s into params as protection_access_token', async (_name, token, params) => {
    const oxd = await startOxd(echo);
    await transportFor(oxd).send('uma_rs_check_access', { oxd_id: 'abc' }, token);
    expect(oxd.received[0]?.params).toStrictEqual(params);
  });

  it.each([
    [33, '0033'],
    [999, '0999'],
    [1000, '1000'],
    [9999, '9999'],
  ])('zero-pads the prefix of a %i-character request to %s', async (length, prefix) => {
    const oxd = await startOxd((reply) => { reply.ok({}); });
    const filler = 'x'.repeat(length - '{"command":"c","params":{"p":""}}'.length);
    await transportFor(oxd).send('c', { p: filler }, null);
    expect(oxd.received[0]?.raw.slice(0, 4)).toBe(prefix);
    expect(oxd.received[0]?.raw.length).toBe(4 + length);
  });

  it('escapes non-ASCII characters so the prefix counts bytes and characters alike', async () => {
    const oxd = await startOxd(echo);
    const name = 'Zoë 😀 Ωmega';
    const data = await transportFor(oxd).send('register_site', { client_name: name }, null);
    expect(oxd.violations).toStrictEqual([]);
    expect(oxd.received[0]?.raw).toContain('Zo\\u00eb \\ud83d\\ude00 \\u03a9mega');
    expect(data).toStrictEqual({ command: 'register_site', params: { client_name: name } });
  });

  it('decodes raw UTF-8 answers whose prefix counts UTF-16 code units, even split mid-character', async () => {
    const claims = { name: 'Zoë 😀', city: 'Zürich', note: '日本語 𝄞' };
    const oxd = await startOxd((reply) => {
      const bytes = oxdFrame(JSON.stringify({ status: 'ok', data: claims }));
      const cut = bytes.indexOf(Buffer.from('😀')) + 2;
      reply.raw(bytes.subarray(0, cut));
      setTimeout(() => reply.socket.write(bytes.subarray(cut)), 20);
    });
    expect(await transportFor(oxd).send('get_user_info', {}, null)).toStrictEqual(claims);
  });

  it('raises frame_too_large before connecting or writing anything', async () => {
    const oxd = await startOxd(echo);
    const error = await rejection(transportFor(oxd).send('uma_rs_protect', { resources: 'x'.repeat(10_000) }, null));
    expect(error.code).toBe('frame_too_large');
    expect(oxd.connections).toBe(0);
    expect(oxd.bytesReceived).toBe(0);
  });
});

describe('socket transport answers', () => {
  it('turns an error envelope into an OxdError with oxd code, description and details', async () => {
    const details = { error: 'need_info', ticket: 't-1', required_claims: [], redirect_user: 'https://as/claims' };
    const oxd = await startOxd((reply) => { reply.error('need_info', 'The AS needs more information.', details); });
    const error = await rejection(transportFor(oxd).send('uma_rp_get_rpt', { ticket: 't-0' }, null));
    expect(error).toMatchObject({
      code: 'need_info',
      description: 'The AS needs more information.',
      details,
      command: 'uma_rp_get_rpt',
    });
  });

  it.each([
    ['a frame cut off before its announced length', '0050{"status":"ok"', /cut off after 14 of 50 characters/],
    ['a frame cut off inside the prefix', '00', /cut off after 2 of 4 length-prefix characters/],
    ['a non-numeric prefix', 'abcd{"status":"ok","data":{}}', /length prefix is not 4 digits/],
    ['a frame that is not JSON', '0005hello', /not JSON/],
    ['JSON that is no envelope', '0011{"data":{}}', /not an oxd \{status,data\} envelope/],
    ['an error envelope without a code', '0028{"status":"error","data":{}}', /not an oxd \{status,data\} envelope/],
  ])('rejects %s with oxd_bad_response', async (_name, bytes, message) => {
    const oxd = await startOxd((reply) => {
      reply.raw(bytes);
      reply.socket.end();
    });
    const error = await rejection(transportFor(oxd).send('get_rp', {}, null));
    expect(error.code).toBe('oxd_bad_response');
    expect(error.message).toMatch(message);
  });

  it('drops the connection after internal_error and serves the next call on a new one', async () => {
    // oxd closes its socket after the generic internal_error; this fake keeps it open, so only
    // the client's own discard keeps the next call off it.
    const oxd = await startOxd((reply) => {
      if (reply.request.command === 'fail') reply.error('internal_error', 'Unknown internal server error occurs.');
      else echo(reply);
    });
    const transport = transportFor(oxd, { poolSize: 1 });
    expect((await rejection(transport.send('fail', {}, null))).code).toBe('internal_error');
    await expect(transport.send('get_rp', {}, null)).resolves.toMatchObject({ command: 'get_rp' });
    expect(oxd.received.map((r) => r.connection)).toStrictEqual([1, 2]);
  });

  it('keeps the connection after an ordinary oxd error', async () => {
    const oxd = await startOxd((reply) => {
      if (reply.request.command === 'fail') reply.error('invalid_request', 'Path is not protected.');
      else echo(reply);
    });
    const transport = transportFor(oxd, { poolSize: 1 });
    expect((await rejection(transport.send('fail', {}, null))).code).toBe('invalid_request');
    await transport.send('get_rp', {}, null);
    expect(oxd.received.map((r) => r.connection)).toStrictEqual([1, 1]);
  });
});

describe('socket transport connections', () => {
  it('rejects with oxd_unreachable when nothing listens', async () => {
    const oxd = await startOxd(echo);
    await closeServer(oxd.server);
    const error = await rejection(transportFor(oxd).send('get_rp', {}, null));
    expect(error.code).toBe('oxd_unreachable');
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('tries a request that could not be sent once more on a new connection, then gives up', async () => {
    const oxd = await startOxd(echo);
    await closeServer(oxd.server);
    const retries: string[] = [];
    const ignore = (): void => undefined;
    const debug = (_fields: object, message?: string): void => {
      retries.push(message ?? '');
    };
    const logger = { warn: ignore, info: ignore, debug };
    const error = await rejection(transportFor(oxd, { logger }).send('get_rp', {}, null));
    expect(error.code).toBe('oxd_unreachable');
    expect(retries).toHaveLength(1);
  });

  it('times out on a silent oxd and never hands its late answer to the next caller', async () => {
    let held: Reply | undefined;
    const oxd = await startOxd((reply) => {
      if (reply.request.command === 'first') {
        held = reply;
        return;
      }
      held?.ok({ answer: 'late answer to first' });
      reply.ok({ answer: 'second' });
    });
    const transport = transportFor(oxd, { poolSize: 1, timeoutMs: 100 });
    expect((await rejection(transport.send('first', {}, null))).code).toBe('oxd_timeout');
    expect(await transport.send('second', {}, null)).toStrictEqual({ answer: 'second' });
    expect(oxd.received.map((r) => r.connection)).toStrictEqual([1, 2]);
  });

  it('times out a caller still queued for a connection without sending its request', async () => {
    const oxd = await startOxd(() => undefined);
    const transport = transportFor(oxd, { poolSize: 1, timeoutMs: 100 });
    const results = await Promise.allSettled([transport.send('first', {}, null), transport.send('queued', {}, null)]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as OxdError).code : 'resolved'))).toStrictEqual([
      'oxd_timeout',
      'oxd_timeout',
    ]);
    expect(oxd.received.map((r) => r.command)).toStrictEqual(['first']);
  });

  it.each([1, 3])('never pipelines: 12 parallel calls over a pool of %i each get their own answer', async (poolSize) => {
    const oxd = await startOxd((reply) => {
      setTimeout(() => { echo(reply); }, Number(reply.request.params.delay));
    });
    const transport = transportFor(oxd, { poolSize });
    const calls = Array.from({ length: 12 }, (_, i) => transport.send('echo', { i, delay: (i * 7) % 5 }, null));
    const results = await Promise.all(calls);
    const answeredFor = results.map((r) => (r as { params: { i: number } }).params.i);
    expect(answeredFor).toStrictEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(oxd.violations).toStrictEqual([]);
    expect(oxd.connections).toBe(poolSize);
  });

  it('reuses one connection for sequential calls', async () => {
    const oxd = await startOxd(echo);
    const transport = transportFor(oxd);
    for (const command of ['a', 'b', 'c']) await transport.send(command, {}, null);
    expect(oxd.connections).toBe(1);
  });

  it('reconnects transparently when oxd closed an idle connection', async () => {
    let firstSocketClosed: Promise<unknown> = Promise.resolve();
    const oxd = await startOxd((reply) => {
      if (reply.request.connection === 1) {
        firstSocketClosed = once(reply.socket, 'close');
        reply.ok({ on: 1 });
        reply.socket.end();
      } else {
        reply.ok({ on: reply.request.connection });
      }
    });
    const transport = transportFor(oxd);
    expect(await transport.send('a', {}, null)).toStrictEqual({ on: 1 });
    await firstSocketClosed; // oxd saw the client's FIN, so the client has seen oxd's
    expect(await transport.send('b', {}, null)).toStrictEqual({ on: 2 });
    expect(oxd.received.map((r) => r.command)).toStrictEqual(['a', 'b']);
  });

  it('does not resend a request when the connection dies after it was written', async () => {
    const oxd = await startOxd((reply) => { reply.socket.destroy(); });
    const error = await rejection(transportFor(oxd).send('uma_rs_protect', { resources: [] }, null));
    expect(error.code).toBe('oxd_unreachable');
    expect(error.message).toMatch(/may have been executed/);
    expect(oxd.received).toHaveLength(1);
  });

  it('discards a connection on which oxd sent bytes beyond the frame', async () => {
    const oxd = await startOxd((reply) => {
      const answerThenJunk = Buffer.concat([oxdFrame('{"status":"ok","data":{}}'), Buffer.from('0002{}')]);
      if (reply.request.connection === 1) reply.raw(answerThenJunk);
      else echo(reply);
    });
    const transport = transportFor(oxd, { poolSize: 1 });
    expect(await transport.send('a', {}, null)).toStrictEqual({});
    await transport.send('b', {}, null);
    expect(oxd.received.map((r) => r.connection)).toStrictEqual([1, 2]);
  });
});

describe('socket transport close', () => {
  it('fails in-flight and later calls with oxd_unreachable and closes its sockets', async () => {
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => { arrived = resolve; });
    const oxd = await startOxd(() => { arrived(); });
    const transport = transportFor(oxd);
    const inFlight = rejection(transport.send('get_rp', {}, null));
    await requestArrived;
    await transport.close();
    expect((await inFlight).code).toBe('oxd_unreachable');
    expect((await rejection(transport.send('get_rp', {}, null))).code).toBe('oxd_unreachable');
  });

  it('closes idle connections', async () => {
    let serverSide: Socket | undefined;
    const oxd = await startOxd((reply) => {
      serverSide = reply.socket;
      echo(reply);
    });
    const transport = transportFor(oxd);
    await transport.send('get_rp', {}, null);
    const ended = once(serverSide!, 'end');
    await transport.close();
    await ended;
  });
});
