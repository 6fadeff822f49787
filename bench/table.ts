/** The markdown table `npm run bench` prints and the benchmarks doc quotes. */
import type { BenchResult } from './types.js';

const DIGITS: Readonly<Record<string, number>> = { 'req/s': 0, ms: 2, 'ns/match': 1, MiB: 1 };

function figure(value: number, unit: string): string {
  const digits = DIGITS[unit] ?? 2;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${unit}`;
}

/** A pipe inside a cell would split it. */
const cell = (text: string): string => text.replaceAll('|', '\\|');

export function markdownTable(results: readonly BenchResult[]): string {
  const lines = ['| benchmark | baseline | measured | ratio | note |', '|---|---|---|---|---|'];
  for (const r of results) {
    const cells = [r.name, `${figure(r.baseline, r.unit)} (${r.baselineLabel})`, figure(r.measured, r.unit), `${r.ratio.toFixed(2)}×`, r.note];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}
