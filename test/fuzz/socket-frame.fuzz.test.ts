/**
 * The oxd socket frame reader takes whatever a peer (or a network fault) sends. Random bytes,
 * split at random points, must give a frame, "incomplete" or a reasoned "invalid" — never a
 * throw — and how the bytes were split must never change the answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameRead } from '../../src/oxd/transport/socket-connection.js';
import { fuzzRuns, fuzzTimeout } from './runs.js';

function feed(chunks: readonly Uint8Array[]): FrameRead {
  const decoder = new FrameDecoder();
  let last: FrameRead = { kind: 'incomplete' };
  for (const chunk of chunks) {
    last = decoder.push(chunk);
    if (last.kind !== 'incomplete') return last;
  }
  return last;
}

function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const json = fc.json({ maxDepth: 2 }).map((j) => new TextEncoder().encode(`${String(j.length).padStart(4, '0')}${j}`));
const wellFormedish = fc.oneof(
  json,
  json.map((b) => b.subarray(0, Math.max(0, b.length - 1))),
  fc.uint8Array({ maxLength: 40 }),
  fc.tuple(fc.constantFrom('0004', '0010', '9999', '00x1', '-001'), fc.uint8Array({ maxLength: 20 })).map(([p, rest]) => new Uint8Array([...new TextEncoder().encode(p), ...rest])),
);

describe('socket frame reader fuzzing', () => {
  it('answers random and split bytes without throwing, the same however they are split', () => {
    fc.assert(
      fc.property(wellFormedish, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const whole = feed([bytes]);
        const pieces = feed(split(bytes, cuts));
        if (whole.kind === 'invalid') expect(whole.reason.length).toBeGreaterThan(0);
        if (whole.kind === 'frame' || pieces.kind !== 'frame') {
          expect(pieces.kind).toBe(whole.kind);
          // `trailing` says what had arrived by then, so only the frame itself must agree.
          if (whole.kind === 'frame' && pieces.kind === 'frame') expect(pieces.json).toBe(whole.json);
          return;
        }
        // The one legitimate difference: invalid UTF-8 after a complete frame, arriving in a
        // later chunk than the frame, is never read at all.
        expect(whole.kind).toBe('invalid');
      }),
      { numRuns: fuzzRuns(2) },
    );
  }, fuzzTimeout());

  it('reads every well-formed frame back exactly, however it is split', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const bytes = new TextEncoder().encode(`${String(text.length).padStart(4, '0')}${text}`);
        fc.pre(text.length <= 9999);
        expect(feed(split(bytes, cuts))).toEqual({ kind: 'frame', json: text, trailing: false });
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout());
});
