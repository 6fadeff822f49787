/**
 * Write-back edits an oxd-python file a person wrote. For random files (comments, inline
 * comments, CRLF, a BOM, both separators) and random updates with storable values, the result
 * parses, every updated key reads back as written, every other key keeps its value, and every
 * comment line survives in order.
 */
import fc from 'fast-check';
import { parse as iniParse } from 'ini';
import { describe, expect, it } from 'vitest';
import { applyIniUpdates } from '../../src/oxd/config-write.js';
import { iniValue, parseIniText, type IniDocument } from '../../src/oxd/ini-text.js';
import { fuzzRuns, fuzzTimeout } from './runs.js';

const SECTIONS = ['oxd', 'client', 'extra'];
const KEYS = ['id', 'host', 'port', 'client_id', 'client_secret', 'scope', 'op_host', 'x-y', 'Key.Dotted'];
// Storable values: no line break, no leading/trailing space, no " ;" (which the reader cuts).
const value = fc
  .string({ unit: fc.constantFrom('a', 'Z', '0', '=', ':', '#', ';', '/', '.', ',', ' ', 'é', '%', '"'), maxLength: 12 })
  .filter((v) => v === v.trim() && !/\s;/.test(v) && !v.startsWith(';'));
const comment = fc.tuple(fc.constantFrom(';', '#', '  ;', '\t#'), fc.string({ maxLength: 10 }).filter((c) => !/[\r\n]/.test(c))).map(([m, c]) => `${m}${c}`);

interface FileSpec {
  readonly text: string;
}

const iniFile = fc
  .record({
    sections: fc.uniqueArray(fc.constantFrom(...SECTIONS), { maxLength: 3 }),
    entries: fc.array(fc.tuple(fc.constantFrom(...KEYS), value, fc.constantFrom(' = ', '=', ': ', ' : '), fc.option(comment.map((c) => ` ;${c}`))), { maxLength: 8 }),
    comments: fc.array(comment, { maxLength: 4 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ sections, entries, comments, crlf, bom, finalNewline }): FileSpec => {
    const lines: string[] = [];
    const used = new Set<string>();
    sections.forEach((section, i) => {
      lines.push(`[${section}]`);
      for (const [key, v, sep, inline] of entries.filter((_, j) => j % sections.length === i)) {
        if (used.has(`${section}/${key.toLowerCase()}`)) continue;
        used.add(`${section}/${key.toLowerCase()}`);
        lines.push(`${key}${sep}${v}${inline ?? ''}`);
      }
      const c = comments[i];
      if (c !== undefined) lines.push(c);
    });
    const eol = crlf ? '\r\n' : '\n';
    return { text: (bom ? '\uFEFF' : '') + lines.join(eol) + (finalNewline && lines.length > 0 ? eol : '') };
  });

const updates = fc.dictionary(fc.constantFrom(...SECTIONS), fc.dictionary(fc.constantFrom('id', 'client_id', 'protection_access_token', 'new_key'), value, { maxKeys: 3 }), { maxKeys: 3 });

function entries(doc: IniDocument): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of doc.lines) if (line.kind === 'entry') out.set(`${line.section}/${line.key}`, line.value);
  return out;
}

// A plain file, in the subset every ini reader agrees on: '=' only, lower-case keys, values
// with no comment, quote or escape characters and no word `ini` would turn into a boolean.
const plainValue = fc
  .string({ unit: fc.constantFrom('a', 'Z', '0', '=', ':', '/', '.', ',', '%', '-', '_'), minLength: 1, maxLength: 12 })
  .filter((v) => !['true', 'false', 'null'].includes(v));
const plainFile = fc.dictionary(
  fc.constantFrom('oxd', 'client'),
  fc.dictionary(fc.constantFrom('id', 'host', 'port', 'client_id', 'op_host', 'scope'), plainValue, { minKeys: 1, maxKeys: 4 }),
  { minKeys: 1, maxKeys: 2 },
);

describe('the ini reader against an independent one', () => {
  it('reads plain files as the ini package does', () => {
    fc.assert(
      fc.property(plainFile, (sections) => {
        const text = Object.entries(sections)
          .map(([section, values]) => [`[${section}]`, ...Object.entries(values).map(([k, v]) => `${k} = ${v}`)].join('\n'))
          .join('\n\n');
        const ours: Record<string, Record<string, string>> = {};
        for (const line of parseIniText(text, 'oracle.cfg').lines) {
          if (line.kind === 'entry') (ours[line.section] ??= {})[line.key] = line.value;
        }
        expect(ours).toEqual(iniParse(text));
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout());
});

describe('ini write-back fuzzing', () => {
  it('keeps every other key and every comment, and reads back every update', () => {
    fc.assert(
      fc.property(iniFile, updates, (file, changes) => {
        const before = parseIniText(file.text, 'fuzz.cfg');
        const written = applyIniUpdates(file.text, changes, 'fuzz.cfg');
        const after = parseIniText(written, 'fuzz.cfg');
        const expected = entries(before);
        for (const [section, values] of Object.entries(changes)) {
          for (const [key, v] of Object.entries(values)) {
            expect(iniValue(after, section, key)).toBe(v);
            expected.set(`${section}/${key}`, v);
          }
        }
        expect(entries(after)).toEqual(expected);
        const keptComments = after.lines.filter((l) => l.kind === 'other' && l.raw.trim() !== '').map((l) => l.raw);
        expect(keptComments).toEqual(before.lines.filter((l) => l.kind === 'other' && l.raw.trim() !== '').map((l) => l.raw));
        expect(after.bom).toBe(before.bom);
        if (before.lines.length > 0) expect(after.eol).toBe(before.eol);
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout());

  it('is the identity when nothing changes', () => {
    fc.assert(
      fc.property(iniFile, (file) => {
        expect(applyIniUpdates(file.text, {}, 'fuzz.cfg')).toBe(file.text);
      }),
      { numRuns: fuzzRuns() },
    );
  }, fuzzTimeout());
});
