/**
 * Warnings, not errors: a protected `{regex}` segment with a less specific rule behind it that
 * forwards. A request whose segment the regex rejects falls to that rule (a public `??`, or
 * `unprotected: allow`) and reaches the backend unchecked — harmless only if the backend parses
 * the segment as strictly as the regex does. Many do not: `+3`, `03` or ` 3` are 3 to a number
 * parser, so `/users/+3` may serve user 3 without a grant. Such a policy is only as tight as the
 * backend's parser; the warning says where.
 */
import { compileMatcher } from './matcher.js';
import { parsePattern } from './pattern.js';
import type { PatternElement } from './pattern.js';
import type { Policy } from './types.js';
import type { ReadResource } from './validate-resource.js';
import { warn } from './yaml-reader.js';
import type { ReadContext } from './yaml-reader.js';

/** Segments tried in turn as "a segment the regex rejects": the first it does not match is used. */
const PROBES = ['x', 'X', '0', '+3', '-', '_', '~'];

/** A request path that reaches `elements` up to its first regex the probe fails, or null. */
function probePath(elements: readonly PatternElement[]): { path: string; probe: string; regex: string } | null {
  const segments: string[] = [];
  let failed: { probe: string; regex: string } | null = null;
  for (const element of elements) {
    switch (element.kind) {
      case 'literal':
        segments.push(element.text);
        break;
      case 'one':
        segments.push('x');
        break;
      case 'any':
        break;
      case 'regex': {
        const probe = PROBES.find((p) => !element.regex.test(p));
        if (probe === undefined) {
          segments.push(PROBES[0] ?? 'x');
          break;
        }
        segments.push(probe);
        failed ??= { probe, regex: element.source };
        break;
      }
    }
  }
  return failed === null ? null : { path: `/${segments.join('/')}`, ...failed };
}

/** Warns, at each protected resource's path, when a segment its regex rejects is forwarded. */
export function reportRegexFallThrough(ctx: ReadContext, read: readonly ReadResource[], policy: Policy): void {
  const matcher = compileMatcher(policy);
  for (const { resource, pathNode, yamlPath } of read) {
    if (resource.kind !== 'protected' || !resource.path.includes('{')) continue;
    const parsed = parsePattern(resource.path);
    if (!parsed.ok) continue;
    const probe = probePath(parsed.elements);
    if (probe === null) continue;
    for (const method of new Set(resource.conditions.flatMap((c) => c.httpMethods))) {
      const match = matcher.match(method, probe.path);
      const behind = match.outcome === 'public' ? `the public "${match.pattern}"` : match.outcome === 'unprotected' && policy.unprotected === 'allow' ? 'unprotected: allow' : null;
      if (behind === null) continue;
      warn(
        ctx,
        pathNode,
        `${yamlPath}.path`,
        'regex_falls_through',
        `${method} "${resource.path}": a segment {${probe.regex}} rejects (e.g. "${probe.probe}") falls to ${behind} and is forwarded unchecked; if the backend reads such a segment as one the regex accepts (+3 or ٣ as 3), it serves the protected resource without a grant. Protect the fallback too, or make the regex match what the backend accepts`,
      );
      break;
    }
  }
}
