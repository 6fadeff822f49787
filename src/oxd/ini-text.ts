/**
 * A line-level model of an oxd-python ini file. Reading and write-back share it, so write-back
 * edits exactly the lines the reader took its values from and leaves every other byte alone.
 *
 * Syntax follows Python's ConfigParser as oxd-python used it: `[section]` headers, `key = value`
 * or `key: value` entries (keys case-insensitive), full-line comments starting with `;` or `#`
 * (indentation allowed), and inline comments introduced by a `;` preceded by whitespace.
 */
import { OxdError } from './errors.js';

export type IniLine =
  | { readonly kind: 'other'; readonly raw: string; readonly section: string | null }
  | { readonly kind: 'section'; readonly raw: string; readonly section: string }
  | {
      readonly kind: 'entry';
      readonly raw: string;
      readonly section: string;
      /** Lower-cased, as ConfigParser does. */
      readonly key: string;
      readonly value: string;
      /** Offsets of the value inside `raw`, for in-place replacement. */
      readonly valueStart: number;
      readonly valueEnd: number;
    };

export interface IniDocument {
  readonly lines: readonly IniLine[];
  readonly eol: '\n' | '\r\n';
  readonly bom: boolean;
  readonly finalNewline: boolean;
}

const SECTION = /^\[([^\]]+)\]\s*(?:[;#].*)?$/;
const ENTRY = /^([^:=\s][^:=]*?)\s*[:=]/;

function invalid(file: string, lineNo: number, message: string): OxdError {
  return new OxdError('config_invalid', `${file}:${lineNo}: ${message}`);
}

/** Where the value ends: before an inline `;` comment (whitespace before it, or at the very start). */
function valueBounds(raw: string, from: number): { start: number; end: number } {
  let start = from;
  while (start < raw.length && /\s/.test(raw.charAt(start))) start += 1;
  let end = raw.length;
  for (let i = start; i < raw.length; i += 1) {
    if (raw.charAt(i) === ';' && (i === start || /\s/.test(raw.charAt(i - 1)))) {
      end = i;
      break;
    }
  }
  while (end > start && /\s/.test(raw.charAt(end - 1))) end -= 1;
  return { start, end };
}

export function parseIniText(text: string, file: string): IniDocument {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const raws = body.split(/\r?\n/);
  const finalNewline = raws.length > 1 && raws[raws.length - 1] === '';
  if (finalNewline) raws.pop();

  const lines: IniLine[] = [];
  const seen = new Map<string, Set<string>>();
  let section: string | null = null;
  raws.forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) {
      lines.push({ kind: 'other', raw, section });
      return;
    }
    if (/^\s/.test(raw)) {
      throw invalid(file, lineNo, 'indented line: continuation lines are not supported, put the value on one line');
    }
    const header = SECTION.exec(raw);
    if (header?.[1] !== undefined) {
      section = header[1].trim();
      if (seen.has(section)) throw invalid(file, lineNo, `section [${section}] appears twice`);
      seen.set(section, new Set());
      lines.push({ kind: 'section', raw, section });
      return;
    }
    const entry = ENTRY.exec(raw);
    if (entry?.[1] === undefined) throw invalid(file, lineNo, 'expected "[section]" or "key = value"');
    if (section === null) throw invalid(file, lineNo, 'entry before any [section] header');
    const key = entry[1].trim().toLowerCase();
    const keys = seen.get(section);
    if (keys?.has(key) === true) throw invalid(file, lineNo, `[${section}] ${key} appears twice`);
    keys?.add(key);
    const { start, end } = valueBounds(raw, entry[0].length);
    lines.push({ kind: 'entry', raw, section, key, value: raw.slice(start, end), valueStart: start, valueEnd: end });
  });
  return { lines, eol, bom, finalNewline };
}

/** The value of `[section] key`, or undefined when the line is absent. */
export function iniValue(doc: IniDocument, section: string, key: string): string | undefined {
  for (const line of doc.lines) {
    if (line.kind === 'entry' && line.section === section && line.key === key) return line.value;
  }
  return undefined;
}

export function serializeIni(doc: IniDocument, lines: readonly string[]): string {
  return (doc.bom ? '\uFEFF' : '') + lines.join(doc.eol) + (doc.finalNewline || lines.length > doc.lines.length ? doc.eol : '');
}
