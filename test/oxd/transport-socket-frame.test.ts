import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OxdError } from '../../src/oxd/errors.js';
import { stringifyAscii } from '../../src/oxd/json.js';
import { FrameDecoder, encodeFrame } from '../../src/oxd/transport/socket-connection.js';

/** A frame as oxd writes it: prefix counts UTF-16 code units, the text goes out as raw UTF-8. */
function oxdFrame(json: string): Buffer {
  return Buffer.from(String(json.length).padStart(4, '0') + json, 'utf8');
}

function decodeInPieces(bytes: Buffer, cuts: readonly number[]): ReturnType<FrameDecoder['push']> {
  const decoder = new FrameDecoder();
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  let last: ReturnType<FrameDecoder['push']> = { kind: 'incomplete' };
  for (const to of [...points, bytes.length]) {
    last = decoder.push(bytes.subarray(from, to));
    from = to;
  }
  return last;
}

describe('stringifyAscii', () => {
  it('escapes every non-ASCII character, astral ones as surrogate pairs', () => {
    expect(stringifyAscii({ name: 'Zoë 😀' })).toBe('{"name":"Zo\\u00eb \\ud83d\\ude00"}');
  });

  it('produces ASCII text that parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = stringifyAscii(value);
        expect(/^[\x20-\x7e]*$/.test(json)).toBe(true);
        expect(JSON.parse(json)).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('encodeFrame', () => {
  it.each([
    [1, '0001'],
    [42, '0042'],
    [999, '0999'],
    [1000, '1000'],
    [9999, '9999'],
  ])('pads a %i-character JSON to the prefix %s', (length, prefix) => {
    const json = 'x'.repeat(length);
    expect(encodeFrame(json, 'c')).toBe(prefix + json);
  });

  it('refuses JSON longer than 9999 characters with frame_too_large', () => {
    const attempt = (): string => encodeFrame('x'.repeat(10_000), 'uma_rs_protect');
    expect(attempt).toThrow(OxdError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'frame_too_large', command: 'uma_rs_protect' }));
  });
});

describe('FrameDecoder', () => {
  it('reads a frame of raw UTF-8 by code units however the bytes are split', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const json = JSON.stringify({ text });
        const read = decodeInPieces(oxdFrame(json), cuts);
        expect(read).toStrictEqual({ kind: 'frame', json, trailing: false });
      }),
    );
  });

  it('stays incomplete until the announced number of characters has arrived', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.from('0010{"a":'))).toStrictEqual({ kind: 'incomplete' });
    expect(decoder.cutOffReason()).toBe('a response frame cut off after 5 of 10 characters');
  });

  it('describes a frame cut off inside its length prefix', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('00'));
    expect(decoder.cutOffReason()).toBe('a response frame cut off after 2 of 4 length-prefix characters');
  });

  it.each([
    ['a non-digit prefix', Buffer.from('12a4{}'), /length prefix is not 4 digits/],
    ['a signed prefix', Buffer.from('+002{}'), /length prefix is not 4 digits/],
    ['bytes that are not UTF-8', Buffer.from([0x30, 0x30, 0x30, 0x31, 0xff]), /not valid UTF-8/],
  ])('rejects %s', (_name, bytes, reason) => {
    const read = new FrameDecoder().push(bytes);
    expect(read.kind).toBe('invalid');
    expect(read.kind === 'invalid' ? read.reason : '').toMatch(reason);
  });

  it('flags bytes beyond the frame', () => {
    const read = new FrameDecoder().push(Buffer.from('0002{}0002{}'));
    expect(read).toStrictEqual({ kind: 'frame', json: '{}', trailing: true });
  });
});
