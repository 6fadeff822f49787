/**
 * Just enough of a Dockerfile reader for the deployment tests: instructions with their line
 * continuations joined and comments dropped, and exec-form (JSON array) arguments decoded.
 */
export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, ENV, … */
  readonly keyword: string;
  /** Everything after the keyword, continuations joined. */
  readonly args: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*(#|$)/.test(line)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/s.exec(whole);
    if (match !== null) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]! });
  }
  return instructions;
}

/** The JSON-array form of CMD / ENTRYPOINT / HEALTHCHECK CMD; throws on the shell form. */
export function execForm(args: string): string[] {
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return value;
}

/** `ENV A=1 B=2` pairs of every ENV instruction after `from` (an index into the list). */
export function envOf(instructions: readonly Instruction[], from = 0): Map<string, string> {
  const env = new Map<string, string>();
  for (const { keyword, args } of instructions.slice(from)) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  return env;
}

/** Index of the last FROM: where the runtime stage starts. */
export function lastStageStart(instructions: readonly Instruction[]): number {
  return instructions.map((i) => i.keyword).lastIndexOf('FROM');
}
