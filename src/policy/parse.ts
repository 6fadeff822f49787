/**
 * Text → validated Policy. No file I/O: the caller supplies the text (and its name for messages).
 * The one thing it runs outside the process is the ReDoS analysis of `{regex}` segments
 * (redos-analyser.ts), which `parsePolicy` waits for and `parsePolicyAsync` awaits.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { PolicyError } from './errors.js';
import { segmentRegexes } from './pattern.js';
import { screenRegexes, screenRegexesAsync } from './regex-safety.js';
import type { Policy } from './types.js';
import { validateDocument } from './validate.js';
import { report, resolve } from './yaml-reader.js';
import type { ReadContext } from './yaml-reader.js';

/** The YAML read, with its syntax errors already reported: what validation starts from. */
interface ReadText {
  readonly doc: Document;
  readonly ctx: ReadContext;
}

/**
 * Parses and validates a policy document.
 * @throws PolicyError `policy_invalid` listing every problem (syntax errors first).
 */
export function parsePolicy(text: string, source: string): Policy {
  const read = readText(text, source);
  if (read.ctx.problems.length === 0) screenRegexes(documentRegexes(read.doc));
  return validated(read, source);
}

/**
 * `parsePolicy` for a server: the ReDoS analysis of the document's regexes runs while the event
 * loop goes on serving, so a policy reload never stalls traffic.
 * @throws PolicyError `policy_invalid` listing every problem (syntax errors first).
 */
export async function parsePolicyAsync(text: string, source: string): Promise<Policy> {
  const read = readText(text, source);
  if (read.ctx.problems.length === 0) await screenRegexesAsync(documentRegexes(read.doc));
  return validated(read, source);
}

function readText(text: string, source: string): ReadText {
  const lineCounter = new LineCounter();
  // Duplicate keys are found by the validator, which can name their YAML path.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const ctx: ReadContext = { file: source, doc, lineCounter, problems: [], warnings: [] };
  for (const error of doc.errors) {
    report(ctx, error.pos[0], '', 'yaml_syntax', `YAML syntax error: ${error.message.split('\n')[0] ?? error.code}`);
  }
  return { doc, ctx };
}

/** Validation proper; every regex it meets has been judged already (or is judged on its own). */
function validated({ doc, ctx }: ReadText, source: string): Policy {
  const policy = ctx.problems.length === 0 ? validateDocument(ctx, resolve(ctx, doc.contents), source) : null;
  if (policy === null) {
    const count = ctx.problems.length;
    throw new PolicyError('policy_invalid', `${source}: ${count} problem${count === 1 ? '' : 's'} in the policy`, { problems: ctx.problems });
  }
  return policy;
}

/**
 * The regexes of the plain `resources[].path` strings, read ahead of validation so that every
 * regex in the document goes to the ReDoS analyser in one run. One written through an alias is
 * missed here and screened on its own when the validator reaches it.
 */
function documentRegexes(doc: Document): RegExp[] {
  const resources = doc.get('resources');
  if (!isSeq(resources)) return [];
  return resources.items.flatMap((item) => {
    const path: unknown = isMap(item) ? item.get('path') : undefined;
    return typeof path === 'string' ? segmentRegexes(path) : [];
  });
}
