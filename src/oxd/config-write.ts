/**
 * Write-back of the ini file. oxd-python rewrites the whole file through ConfigParser (losing
 * comments and key order); here only the value of each changed `key = value` line is replaced,
 * missing keys are appended to their section and missing sections to the file.
 */
import { OxdError } from './errors.js';
import { parseIniText, serializeIni } from './ini-text.js';

/** section → key → new value ('' clears it). */
export type IniUpdates = Readonly<Record<string, Readonly<Record<string, string>>>>;

function checkStorable(file: string, section: string, key: string, value: string): void {
  // The reader trims values and cuts them at " ;": such a value would not read back unchanged.
  if (/[\r\n]/.test(value) || /\s;/.test(value) || value !== value.trim()) {
    throw new OxdError('config_not_writable', `${file}: the value for [${section}] ${key} cannot be stored on one ini line`);
  }
}

function replaceValue(raw: string, start: number, end: number, value: string): string {
  const before = raw.slice(0, start);
  const after = raw.slice(end);
  if (after === '') return value === '' ? before.trimEnd() : `${/\s$/.test(before) ? before : `${before} `}${value}`;
  // An inline comment follows: keep it separated from the new value.
  const gap = value !== '' && !/^\s/.test(after) ? ' ' : '';
  return `${before}${value}${gap}${after}`;
}

function entryLine(key: string, value: string): string {
  return value === '' ? `${key} =` : `${key} = ${value}`;
}

/** Returns `text` with the updates applied; every other line is kept byte for byte. */
export function applyIniUpdates(text: string, updates: IniUpdates, file: string): string {
  const doc = parseIniText(text, file);
  const lines = doc.lines.map((l) => l.raw);
  /** Original line index → lines to insert after it. */
  const insertAfter = new Map<number, string[]>();
  const newSections: string[] = [];

  for (const [section, values] of Object.entries(updates)) {
    const pending = new Map(Object.entries(values));
    for (const [key, value] of pending) checkStorable(file, section, key, value);
    let lastOfSection = -1;
    doc.lines.forEach((line, index) => {
      if (line.kind === 'other' || line.section !== section) return;
      // After the header or the last entry, never after trailing comments: those usually
      // introduce the next section.
      lastOfSection = index;
      if (line.kind !== 'entry') return;
      const value = pending.get(line.key);
      if (value === undefined) return;
      pending.delete(line.key);
      if (value !== line.value) lines[index] = replaceValue(line.raw, line.valueStart, line.valueEnd, value);
    });
    const added = [...pending].map(([key, value]) => entryLine(key, value));
    if (added.length === 0) continue;
    if (lastOfSection === -1) newSections.push(`[${section}]`, ...added);
    else insertAfter.set(lastOfSection, added);
  }

  const out: string[] = [];
  lines.forEach((line, index) => {
    out.push(line, ...(insertAfter.get(index) ?? []));
  });
  if (newSections.length > 0) {
    const empty = out.every((l) => l.trim() === '');
    if (empty) out.length = 0;
    else if (out.at(-1)?.trim() !== '') out.push('');
    out.push(...newSections);
  }
  return serializeIni(doc, out);
}
