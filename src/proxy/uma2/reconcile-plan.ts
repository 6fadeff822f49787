/**
 * The reconcile planner: desired resources + what umagate recorded + what the AS holds → the
 * writes that make the AS hold the policy, and no others. Pure, so every case is a table row.
 *
 * - recorded id still at the AS, same hash → keep (no write: booting twice writes nothing);
 * - recorded id still at the AS, other hash → one PUT, same id (RPTs for it stay valid);
 * - no usable record → adopt an AS resource of ours with exactly that name (a lost state file
 *   is rebuilt without duplicates), PUT only if it differs; else POST;
 * - DELETE only what umagate owns — recorded, or of umagate's type with its name prefix — and
 *   the policy no longer has. Anything else at the AS is never touched.
 */
import type { DesiredResource } from './desired.js';
import { UMAGATE_RESOURCE_TYPE } from './desired.js';

/** What the state file records per desired key. */
export interface RecordedResource {
  readonly id: string;
  readonly hash: string;
}

/** An AS resource read back (only those not recorded are read: names decide adoption and ownership). */
export interface AsResourceInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly type: string | undefined;
  /** The description's hash as desiredResources would compute it, to adopt without a write. */
  readonly hash: string;
}

export interface PlanInput {
  readonly desired: readonly DesiredResource[];
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  /** Every id the AS lists for this client. */
  readonly asIds: ReadonlySet<string>;
  /** The AS resources not in `recorded`, read back. */
  readonly unrecorded: readonly AsResourceInfo[];
  readonly namePrefix: string;
}

export type PlanStep =
  | { readonly op: 'keep'; readonly key: string; readonly id: string }
  | { readonly op: 'update'; readonly key: string; readonly id: string }
  | { readonly op: 'create'; readonly key: string }
  | { readonly op: 'delete'; readonly id: string };

export function planReconcile(input: PlanInput): PlanStep[] {
  const steps: PlanStep[] = [];
  const claimed = new Set<string>();
  const byName = new Map<string, AsResourceInfo[]>();
  for (const info of input.unrecorded) {
    if (info.name === undefined || !isOurs(info, input.namePrefix)) continue;
    byName.set(info.name, [...(byName.get(info.name) ?? []), info]);
  }
  for (const desired of input.desired) {
    const recorded = input.recorded.get(desired.key);
    if (recorded !== undefined && input.asIds.has(recorded.id) && !claimed.has(recorded.id)) {
      claimed.add(recorded.id);
      steps.push({ op: recorded.hash === desired.hash ? 'keep' : 'update', key: desired.key, id: recorded.id });
      continue;
    }
    // Prefer a twin that is already right, so a rebuild writes nothing it need not.
    const twins = (byName.get(desired.description.name) ?? []).filter((t) => !claimed.has(t.id));
    const twin = twins.find((t) => t.hash === desired.hash) ?? twins[0];
    if (twin === undefined) {
      steps.push({ op: 'create', key: desired.key });
      continue;
    }
    claimed.add(twin.id);
    steps.push({ op: twin.hash === desired.hash ? 'keep' : 'update', key: desired.key, id: twin.id });
  }
  const doomed = new Set<string>();
  for (const recorded of input.recorded.values()) {
    if (input.asIds.has(recorded.id) && !claimed.has(recorded.id)) doomed.add(recorded.id);
  }
  // Unclaimed resources of ours: left over from a lost state file, or duplicates (Janssen has no
  // name uniqueness) — never a resource of another type or without our prefix.
  for (const info of input.unrecorded) {
    if (isOurs(info, input.namePrefix) && !claimed.has(info.id)) doomed.add(info.id);
  }
  for (const id of doomed) steps.push({ op: 'delete', id });
  return steps;
}

function isOurs(info: AsResourceInfo, prefix: string): boolean {
  return info.type === UMAGATE_RESOURCE_TYPE && info.name !== undefined && info.name.startsWith(prefix);
}
