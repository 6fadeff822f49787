/** Injected faults on each protocol, their countdown, and the call log. */
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { caller, devOxd, openSocket } from './fixture.js';
import { post } from './wire.js';

/** A raw HTTP POST that reports how the exchange ended instead of throwing. */
async function rawPost(base: string, path: string, body: unknown): Promise<{ outcome: 'response' | 'error'; status?: number; text: string }> {
  const url = new URL(path, base);
  const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
  req.end(JSON.stringify(body));
  try {
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    try {
      await once(res, 'end');
    } catch {
      return { outcome: 'error', status: res.statusCode ?? 0, text };
    }
    return res.complete ? { outcome: 'response', status: res.statusCode ?? 0, text } : { outcome: 'error', status: res.statusCode ?? 0, text };
  } catch {
    return { outcome: 'error', text: '' };
  }
}

describe('socket faults', () => {
  it('refuse closes the connection without an answer', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_rp', fault: { kind: 'refuse' } });
    const wire = await openSocket(oxd);
    wire.send('get_rp', { oxd_id: 'x' });
    await wire.waitClosed();
    expect(wire.pending).toBe('');
  });

  it('garbage answers something that is not a frame', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: '*', fault: { kind: 'garbage' }, times: 1 });
    const wire = await openSocket(oxd);
    wire.send('get_rp', { oxd_id: 'x' });
    await new Promise((resolve) => wire.socket.once('data', resolve));
    expect(wire.pending).not.toMatch(/^\d{4}/);
  });

  it('drop_mid_frame announces a length, sends half of it and closes', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_rp', fault: { kind: 'drop_mid_frame' } });
    const wire = await openSocket(oxd);
    wire.send('get_rp', { oxd_id: 'x' });
    await wire.waitClosed();
    const announced = Number(wire.pending.slice(0, 4));
    expect(announced).toBeGreaterThan(0);
    expect(wire.pending.length - 4).toBeLessThan(announced);
  });

  it('error answers the envelope with the given code', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_rp', fault: { kind: 'error', code: 'internal_error', description: 'boom' } });
    const wire = await openSocket(oxd);
    expect(await wire.call('get_rp', { oxd_id: 'x' })).toEqual({ status: 'error', data: { error: 'internal_error', error_description: 'boom', details: null } });
  });

  it('answer replies the given data as a success envelope, nulls kept, without running the command', async () => {
    const oxd = await devOxd();
    const data = { access: 'denied', ticket: null, 'www-authenticate_header': null };
    oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'answer', data }, times: 1 });
    const wire = await openSocket(oxd);
    // Unknown oxd_id: run for real, the command would fail with invalid_oxd_id.
    const params = { oxd_id: 'unknown', rpt: '', path: '/photo', http_method: 'GET' };
    expect(await wire.call('uma_rs_check_access', params)).toEqual({ status: 'ok', data });
    expect(await wire.call('uma_rs_check_access', params)).toMatchObject({ status: 'error', data: { error: 'invalid_oxd_id' } });
  });

  it('delay answers normally after the delay', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_rp', fault: { kind: 'delay', ms: 30 } });
    const wire = await openSocket(oxd);
    const started = Date.now();
    expect(await wire.call('get_rp', { oxd_id: 'x' })).toMatchObject({ data: { error: 'invalid_oxd_id' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('counts `times` down and then answers normally; other commands are untouched', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'GET_RP', fault: { kind: 'error', code: 'x' }, times: 2 });
    const wire = await openSocket(oxd);
    const errors = [];
    for (let i = 0; i < 3; i += 1) errors.push(((await wire.call('get_rp', { oxd_id: 'x' })) as { data: { error: string } }).data.error);
    expect(errors).toEqual(['x', 'x', 'invalid_oxd_id']);
    expect(await wire.call('introspect_rpt', { oxd_id: 'x', rpt: 'r' })).toMatchObject({ data: { error: 'invalid_oxd_id' } });
    oxd.faults.add({ command: '*', fault: { kind: 'error', code: 'y' } });
    oxd.faults.clear();
    expect(await wire.call('get_rp', { oxd_id: 'x' })).toMatchObject({ data: { error: 'invalid_oxd_id' } });
  });

  it('rejects a non-positive `times`', async () => {
    const oxd = await devOxd();
    expect(() => { oxd.faults.add({ command: '*', fault: { kind: 'refuse' }, times: 0 }); }).toThrow(RangeError);
  });
});

describe.each(['rest', 'https-extension'] as const)('HTTP faults on %s', (flavour) => {
  const baseOf = (oxd: { restUrl: string | null; httpsExtensionUrl: string | null }): string =>
    (flavour === 'rest' ? oxd.restUrl : oxd.httpsExtensionUrl) ?? '';

  it('refuse destroys the connection', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_client_token', fault: { kind: 'refuse' } });
    expect((await rawPost(baseOf(oxd), '/get-client-token', {})).outcome).toBe('error');
  });

  it('garbage answers 200 with a body that is not JSON', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_client_token', fault: { kind: 'garbage' } });
    const reply = await post(baseOf(oxd), '/get-client-token', {});
    expect(reply.status).toBe(200);
    expect(reply.json).toBeUndefined();
  });

  it('drop_mid_frame sends headers and half the body, then drops', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_client_token', fault: { kind: 'drop_mid_frame' } });
    const reply = await rawPost(baseOf(oxd), '/get-client-token', {});
    expect(reply).toMatchObject({ outcome: 'error', status: 200 });
  });

  it('error answers the protocol error shape with the given status', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_client_token', fault: { kind: 'error', code: 'internal_error', status: 503 } });
    const reply = await post(baseOf(oxd), '/get-client-token', {});
    expect(reply.status).toBe(503);
    expect(reply.json).toEqual(
      flavour === 'rest'
        ? { error: 'internal_error', error_description: 'Fault injected by the dev oxd.' }
        : { status: 'error', data: { error: 'internal_error', error_description: 'Fault injected by the dev oxd.', details: null } },
    );
  });

  it('answer replies the given data as the protocol\'s success (4.x drops nulls), without running the command', async () => {
    const oxd = await devOxd();
    const data = { access: 'denied', ticket: null, 'www-authenticate_header': null };
    oxd.faults.add({ command: 'uma_rs_check_access', fault: { kind: 'answer', data } });
    // No token and an unknown oxd_id: run for real, the command would be refused.
    const reply = await post(baseOf(oxd), '/uma-rs-check-access', { oxd_id: 'unknown', rpt: '', path: '/photo', http_method: 'GET' });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual(flavour === 'rest' ? { access: 'denied' } : { status: 'ok', data });
  });

  it('delay answers normally after the delay', async () => {
    const oxd = await devOxd();
    oxd.faults.add({ command: 'get_client_token', fault: { kind: 'delay', ms: 20 }, times: 1 });
    const call = await caller(oxd, flavour);
    expect((await call('get_client_token', { client_id: 'x', client_secret: 'y', op_host: 'h' })).status).toBe(401);
  });
});
