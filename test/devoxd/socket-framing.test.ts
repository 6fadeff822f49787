/** The 3.1.x socket framing and its quirks (docs/oxd-protocols.md, *Socket framing*). */
import { describe, expect, it } from 'vitest';
import { devOxd, openSocket } from './fixture.js';
import { frame } from './wire.js';

const MALFORMED = {
  status: 'error',
  data: { error: 'internal_error', error_description: 'Command parameters are not specified or otherwise malformed.', details: null },
};

describe('socket framing', () => {
  it('counts the length prefix in UTF-16 code units, both ways', async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    const json = JSON.stringify({ command: 'register_site', params: { authorization_redirect_uri: 'https://a/cb', client_name: 'Zoë 😀 名前' } });
    expect(Buffer.byteLength(json)).not.toBe(json.length);
    wire.writeRaw(frame(json));
    const reply = JSON.parse(await wire.readFrame()) as { data: { oxd_id: string } };
    const rp = await wire.call('get_rp', { oxd_id: reply.data.oxd_id });
    expect(rp).toMatchObject({ data: { node: { client_name: 'Zoë 😀 名前' } } });
  });

  it('writes a frame as 4 zero-padded digits and the JSON, nulls included', async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    wire.send('uma_rs_check_access', { oxd_id: '' });
    const text = await wire.readFrame();
    expect(text).toBe(
      '{"status":"error","data":{"error":"bad_request","error_description":"oxd_id is empty or not specified or is otherwise invalid (not registered).","details":null}}',
    );
  });

  it('accepts a frame split across writes', async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    const text = frame(JSON.stringify({ command: 'get_rp', params: { oxd_id: 'x' } }));
    wire.writeRaw(text.slice(0, 2));
    await new Promise((resolve) => setImmediate(resolve));
    wire.writeRaw(text.slice(2));
    expect(JSON.parse(await wire.readFrame())).toMatchObject({ data: { error: 'invalid_oxd_id' } });
  });

  it('discards bytes that follow the first frame in the same read (no pipelining)', async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    const one = frame(JSON.stringify({ command: 'get_rp', params: { oxd_id: 'one' } }));
    const two = frame(JSON.stringify({ command: 'get_rp', params: { oxd_id: 'two' } }));
    wire.writeRaw(one + two);
    await wire.readFrame();
    // A later, separate frame is still served, so the connection is alive and the second was dropped.
    expect(await wire.call('get_rp', { oxd_id: 'three' })).toMatchObject({ status: 'error' });
    expect(oxd.calls.map((c) => c.params['oxd_id'])).toEqual(['one', 'three']);
  });

  it('answers unsupported_operation for an unknown command and keeps the connection', async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    expect(await wire.call('license_status', {})).toEqual({
      status: 'error',
      data: { error: 'unsupported_operation', error_description: 'Operation is not supported by server error.', details: null },
    });
    expect(await wire.call('GET_RP', { oxd_id: 'x' })).toMatchObject({ data: { error: 'invalid_oxd_id' } });
  });

  it.each([
    { name: 'missing params', params: undefined },
    { name: 'params that are not an object', params: 'x' },
    { name: 'a list where a string is expected', params: { oxd_id: ['x'] } },
  ])('answers the malformed-parameters internal_error for $name and stays open', async ({ params }) => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    expect(await wire.call('get_rp', params)).toEqual(MALFORMED);
    expect(wire.closed).toBe(false);
    expect(await wire.call('get_rp', { oxd_id: 'x' })).toMatchObject({ status: 'error' });
  });

  it('answers the generic internal_error for unparsable JSON, then closes', async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    wire.writeRaw(frame('{not json'));
    expect(JSON.parse(await wire.readFrame())).toEqual({
      status: 'error',
      data: { error: 'internal_error', error_description: 'Unknown internal server error occurs.', details: null },
    });
    await wire.waitClosed();
  });

  it.each(['abcd{}', '-001{', '0000'])('closes silently on the prefix %j', async (raw) => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    wire.writeRaw(raw);
    await wire.waitClosed();
    expect(wire.pending).toBe('');
  });

  it('closes without a reply when the reply would exceed 9999 characters', async () => {
    const oxd = await devOxd();
    const wire = await openSocket(oxd);
    const site = (await wire.call('register_site', { authorization_redirect_uri: 'https://a/cb' })) as { data: { oxd_id: string } };
    const resources = Array.from({ length: 60 }, (_, i) => ({ path: `/resource/with/a/rather/long/path/${i}`, conditions: [{ httpMethods: ['GET'], scopes: ['view'] }] }));
    expect(await wire.call('uma_rs_protect', { oxd_id: site.data.oxd_id, resources })).toMatchObject({ status: 'ok' });
    wire.send('get_rp', { oxd_id: site.data.oxd_id });
    await wire.waitClosed();
    expect(wire.pending).toBe('');
  });

  it('serves several connections independently', async () => {
    const oxd = await devOxd();
    const [a, b] = await Promise.all([openSocket(oxd), openSocket(oxd)]);
    const [ra, rb] = await Promise.all([a.call('get_rp', { oxd_id: 'a' }), b.call('get_rp', { oxd_id: 'b' })]);
    expect([ra, rb]).toEqual([expect.objectContaining({ status: 'error' }), expect.objectContaining({ status: 'error' })]);
  });
});
