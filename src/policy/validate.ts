/**
 * The document-level checks: top-level keys, `unprotected`, and resources that collide.
 * Produces the frozen Policy, or leaves the problems in the context.
 */
import type { Node } from 'yaml';
import type { UmaResource } from '../oxd/types.js';
import { reportRegexFallThrough } from './regex-fallthrough.js';
import { registrationHash } from './registration.js';
import type { HttpMethod, Policy, PolicyResource, UnprotectedMode } from './types.js';
import { HTTP_METHODS } from './types.js';
import { readResource } from './validate-resource.js';
import type { ReadResource } from './validate-resource.js';
import { readMap, readSeq, readString, report } from './yaml-reader.js';
import type { ReadContext } from './yaml-reader.js';

const TOP_KEYS = ['unprotected', 'resources'] as const;
const UNPROTECTED_MODES: readonly UnprotectedMode[] = ['deny', 'allow'];

function methodsOf(resource: PolicyResource): readonly HttpMethod[] {
  if (resource.kind === 'public') return resource.httpMethods ?? HTTP_METHODS;
  return resource.conditions.flatMap((c) => c.httpMethods as readonly HttpMethod[]);
}

/**
 * Protected paths collide as oxd compares them (case-insensitively); a public path collides with
 * an identical public path, or with a protected one (ignoring case) when their methods overlap.
 */
function collision(a: PolicyResource, b: PolicyResource): string | null {
  if (a.kind === 'public' && b.kind === 'public') return a.path === b.path ? 'the same path' : null;
  if (a.path.toLowerCase() !== b.path.toLowerCase()) return null;
  if (a.kind === 'protected' && b.kind === 'protected') return 'the same path (oxd compares paths ignoring case)';
  const shared = methodsOf(a).filter((m) => methodsOf(b).includes(m));
  return shared.length === 0 ? null : `the same path for ${shared.join(', ')} (one public, one protected)`;
}

function reportCollisions(ctx: ReadContext, read: readonly ReadResource[]): void {
  // Only paths equal ignoring case can collide: group by that, so large policies stay linear.
  const byPath = new Map<string, ReadResource[]>();
  for (const later of read) {
    const key = later.resource.path.toLowerCase();
    const group = byPath.get(key) ?? [];
    const earlier = group.find((r) => collision(r.resource, later.resource) !== null);
    group.push(later);
    byPath.set(key, group);
    if (earlier === undefined) continue;
    const why = collision(earlier.resource, later.resource) ?? '';
    report(ctx, later.pathNode, `${later.yamlPath}.path`, 'path_duplicate', `"${later.resource.path}" repeats ${earlier.yamlPath} ("${earlier.resource.path}"): ${why}; merge their conditions into one resource`);
  }
}

function readUnprotected(ctx: ReadContext, node: Node | null, at: Node, path: string): UnprotectedMode | null {
  const value = readString(ctx, node, at, path, 'deny or allow');
  if (value === null) return null;
  const mode = UNPROTECTED_MODES.find((m) => m === value);
  if (mode === undefined) report(ctx, node ?? at, path, 'invalid_value', `"${value}" is not allowed; use deny (the default) or allow`);
  return mode ?? null;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Validates the document root; returns the Policy when no problem was found. */
export function validateDocument(ctx: ReadContext, root: Node | null, source: string): Policy | null {
  const fields = readMap(ctx, root, root, '', TOP_KEYS);
  if (fields === null) return null;
  const unprotectedEntry = fields.get('unprotected');
  const unprotected = unprotectedEntry === undefined ? 'deny' : readUnprotected(ctx, unprotectedEntry.value, unprotectedEntry.keyNode, unprotectedEntry.path);
  const resourcesEntry = fields.get('resources');
  if (resourcesEntry === undefined) {
    report(ctx, root, 'resources', 'missing_key', 'the policy needs "resources": a list of paths to protect or make public');
    return null;
  }
  const items = readSeq(ctx, resourcesEntry, 'resources');
  if (items === null) return null;
  const read = items.map((item) => readResource(ctx, item.node, item.path));
  const valid = read.filter((r) => r !== null);
  reportCollisions(ctx, valid);
  if (ctx.problems.length > 0 || unprotected === null) return null;

  const registration: UmaResource[] = valid.flatMap((r) => (r.registration === null ? [] : [r.registration]));
  const policy: Policy = {
    source,
    unprotected,
    resources: valid.map((r) => r.resource),
    registration,
    registrationHash: registrationHash(registration),
    warnings: ctx.warnings,
  };
  reportRegexFallThrough(ctx, valid, policy);
  return deepFreeze(policy);
}
