/**
 * What direct mode registers: one AS resource per (pattern, condition), named as oxd names them,
 * so operators see the same resources in either mode. Pure: policy → descriptions.
 */
import { createHash } from 'node:crypto';
import type { Policy } from '../../policy/index.js';
import { canonicalJson } from '../../policy/index.js';
import type { UmaCondition } from '../../oxd/index.js';
import type { AsDialect, ResourceDescription } from '../../uma/index.js';
import type { RegisteredId } from '../authz-backend.js';
import type { ResourceBinding } from './rpt-facts.js';

/** The `type` of every resource umagate registers: with the name prefix, what marks it as ours. */
export const UMAGATE_RESOURCE_TYPE = 'urn:umagate:resource';

/**
 * Janssen/Gluu resources expire (30 days by default) unless `exp` is sent. A fixed instant far
 * ahead, not "now + N years", so that an unchanged policy describes an unchanged resource and a
 * reboot writes nothing: 2100-01-01T00:00:00Z.
 */
export const JANSSEN_RESOURCE_EXP = 4_102_444_800;

export interface DesiredResource extends ConditionBinding {
  readonly description: ResourceDescription & { readonly name: string; readonly type: string };
  /** sha256 of the description: equal hash, nothing to write. */
  readonly hash: string;
}

/** The lookup key of a (pattern, method) pair a request matched. */
export function bindingKey(pattern: string, method: string): string {
  return JSON.stringify([pattern, method]);
}

/** oxd's resource name (`Key.getResourceName`): `[GET, POST] /photo`, methods in policy order. */
export function resourceName(prefix: string, pattern: string, methods: readonly string[]): string {
  return `${prefix}[${methods.join(', ')}] ${pattern}`;
}

/** One (pattern, condition) of a policy as direct mode decides on it: what a permission must share, what a ticket asks for. */
export interface ConditionBinding {
  /** (pattern, methods): unique within a policy, stable across edits of anything else. */
  readonly key: string;
  readonly pattern: string;
  readonly methods: readonly string[];
  /** The scopes a permission must share one of: `scopes`, else the expression's `data`. */
  readonly required: readonly string[];
  /** What a ticket asks for: `ticketScopes`, else the required list. */
  readonly ticketScopes: readonly string[];
}

/** The key of one (pattern, condition): what the AS resource id of that condition is filed under. */
function conditionKey(pattern: string, methods: readonly string[]): string {
  return JSON.stringify([pattern, methods]);
}

/** Every (pattern, condition) of the policy, in policy order. Pure and dialect-free: a cluster worker computes it too. */
function conditionBindings(policy: Policy): ConditionBinding[] {
  return policy.registration.flatMap((resource) => resource.conditions.map((condition) => bindingOf(resource.path, condition)));
}

function bindingOf(pattern: string, condition: UmaCondition): ConditionBinding {
  const required = condition.scopes ?? condition.scope_expression?.data ?? [];
  return { key: conditionKey(pattern, condition.httpMethods), pattern, methods: condition.httpMethods, required, ticketScopes: condition.ticketScopes ?? required };
}

/**
 * The lookup table of decisions: bindingKey(pattern, method) → the condition's AS resource, for
 * every condition `ids` names; a condition without an id is left out, so asking about it reads
 * as drift. The registering process and every cluster worker build it alike, from the same ids.
 */
export function resourceBindings(policy: Policy, ids: readonly RegisteredId[]): Map<string, ResourceBinding> {
  const idByKey = new Map(ids.map((r) => [conditionKey(r.pattern, r.methods), r.id]));
  const bindings = new Map<string, ResourceBinding>();
  for (const c of conditionBindings(policy)) {
    const id = idByKey.get(c.key);
    if (id === undefined) continue;
    for (const method of c.methods) bindings.set(bindingKey(c.pattern, method), { id, required: c.required, ticketScopes: c.ticketScopes });
  }
  return bindings;
}

export function desiredResources(policy: Policy, dialect: AsDialect, prefix: string): DesiredResource[] {
  return policy.registration.flatMap((resource) =>
    resource.conditions.map((condition) => {
      const expression = condition.scope_expression;
      const description = {
        name: resourceName(prefix, resource.path, condition.httpMethods),
        type: UMAGATE_RESOURCE_TYPE,
        // Ticket scopes too: a conformant AS refuses a ticket for a scope the resource lacks.
        resource_scopes: dedupe([...(condition.scopes ?? []), ...(expression?.data ?? []), ...(condition.ticketScopes ?? [])]),
        ...(dialect === 'janssen' ? janssenExtensions(expression) : {}),
      };
      return { ...bindingOf(resource.path, condition), description, hash: descriptionHash(description) };
    }),
  );
}

/**
 * What decides whether the AS's copy needs a PUT: the fields umagate sets, scopes as a set (their
 * order means nothing to an AS, which may return them in another). Used on read-back descriptions
 * too, so a resource adopted from the AS compares like a recorded one.
 */
export function descriptionHash(description: ResourceDescription): string {
  const { name, type, resource_scopes: scopes, scope_expression: expression, exp } = description;
  const fields = { name, type, resource_scopes: [...new Set(scopes)].sort(), scope_expression: expression, exp };
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

function janssenExtensions(expression: { readonly rule: unknown; readonly data: readonly string[] } | undefined): Pick<ResourceDescription, 'scope_expression' | 'exp'> {
  return { ...(expression === undefined ? {} : { scope_expression: JSON.stringify(expression) }), exp: JANSSEN_RESOURCE_EXP };
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}
