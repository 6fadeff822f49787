/** Text → validated Policy. Pure: the caller supplies the text (and its name for messages). */
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { PolicyError } from './errors.js';
import { segmentRegexes } from './pattern.js';
import { screenRegexes, screenRegexesAsync } from './regex-safety.js';
import type { Policy } from './types.js';
import { validateDocument } from './validate.js';
import { report, resolve } from './yaml-reader.js';
import type { ReadContext } from './yaml-reader.js';

/**
 * Parses and validates a policy document.
 * @throws PolicyError `policy_invalid` listing every problem (syntax errors first).
 */
export function parsePolicy(text: string, source: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseYaml(text, lineCounter);
  const ctx: ReadContext = { file: source, doc, lineCounter, problems: [], warnings: [] };
  for (const error of doc.errors) {
    report(ctx, error.pos[0], '', 'yaml_syntax', `YAML syntax error: ${error.message.split('\n')[0] ?? error.code}`);
  }
  if (ctx.problems.length === 0) screenRegexes(documentRegexes(doc));
  const policy = ctx.problems.length === 0 ? validateDocument(ctx, resolve(ctx, doc.contents), source) : null;
  if (policy === null) {
    const count = ctx.problems.length;
    throw new PolicyError('policy_invalid', `${source}: ${count} problem${count === 1 ? '' : 's'} in the policy`, { problems: ctx.problems });
  }
  return policy;
}

/**
 * `parsePolicy` for a server: the ReDoS analysis of the document's regexes runs while the event
 * loop goes on serving, so a policy reload never stalls traffic; the parse then finds every
 * verdict already made.
 * @throws PolicyError `policy_invalid` listing every problem (syntax errors first).
 */
export async function parsePolicyAsync(text: string, source: string): Promise<Policy> {
  const doc = parseYaml(text, new LineCounter());
  if (doc.errors.length === 0) await screenRegexesAsync(documentRegexes(doc));
  return parsePolicy(text, source);
}

function parseYaml(text: string, lineCounter: LineCounter): Document {
  // Duplicate keys are found by the validator, which can name their YAML path.
  return parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
}

/**
 * The regexes of the plain `resources[].path` strings, read ahead of validation so that every regex in the
 * document goes to the ReDoS analyser in one run. One written through an alias is missed here
 * and screened on its own when the validator reaches it.
 */
function documentRegexes(doc: Document): RegExp[] {
  const resources = doc.get('resources');
  if (!isSeq(resources)) return [];
  return resources.items.flatMap((item) => {
    const path: unknown = isMap(item) ? item.get('path') : undefined;
    return typeof path === 'string' ? segmentRegexes(path) : [];
  });
}
