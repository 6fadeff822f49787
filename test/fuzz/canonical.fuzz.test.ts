/**
 * The canonicaliser meets whatever bytes a client sends. Whatever it is given, it answers
 * (never throws), and whatever it accepts is already safe: no dot segment, no empty segment,
 * no control character, no encoded separator — and canonicalising the answer again changes
 * nothing, so the path we match is the path we forward.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalizeTarget } from '../../src/policy/index.js';
import { fuzzRuns, fuzzTimeout } from './runs.js';

// Every byte value as Node's HTTP parser could hand it over in req.url (latin1 decoding).
const anyTarget = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)), maxLength: 64 });
const percentHeavy = fc
  .array(fc.oneof(fc.constantFrom('/', '.', '..', ';', '?', '#', '%', '\\'), fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`), fc.string({ maxLength: 3 })), { maxLength: 16 })
  .map((parts) => `/${parts.join('')}`);

describe('canonicaliser fuzzing', () => {
  it('answers every target without throwing, and only ever accepts safe paths', () => {
    fc.assert(
      fc.property(fc.oneof(anyTarget, percentHeavy), (target) => {
        const result = canonicalizeTarget(target);
        if (!result.ok) {
          expect(result.reason.length).toBeGreaterThan(0);
          return;
        }
        expect(result.path.startsWith('/')).toBe(true);
        // eslint-disable-next-line no-control-regex -- control characters are what is checked for
        expect(result.path).not.toMatch(/[\u0000-\u001f\u007f\\#]/);
        expect(result.path).not.toMatch(/%(?:2[fF]|5[cC]|2[eE]|00)/);
        for (const reading of result.matchPaths) {
          const segments = reading.split('/').slice(1);
          if (reading.endsWith('/')) segments.pop();
          if (reading === '/') continue;
          for (const segment of segments) expect(['', '.', '..']).not.toContain(segment);
        }
        const again = canonicalizeTarget(result.path + (result.query === null ? '' : `?${result.query}`));
        expect(again).toEqual(result);
      }),
      { numRuns: fuzzRuns(4) },
    );
  }, fuzzTimeout());
});
