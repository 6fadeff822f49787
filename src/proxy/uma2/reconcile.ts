/**
 * The reconcile executor: reads the state file and the AS's list, reads back only the resources
 * it has no record of, asks the planner, performs the writes, and records the result. Every AS
 * call goes through `call` (the guard). Races with the AS are absorbed here: a Keycloak 409 on
 * create adopts the existing resource by exact name; a resource deleted between the list and a
 * PUT is created again; one deleted before our DELETE is already gone.
 */
import { UmaError } from '../../uma/index.js';
import type { UmaClient, UmaEndpoint } from '../../uma/index.js';
import { descriptionHash, type DesiredResource } from './desired.js';
import { planReconcile, type AsResourceInfo, type RecordedResource } from './reconcile-plan.js';
import type { OxdCaller } from '../oxd-capacity.js';
import type { UmaStateFile } from './state-file.js';

export type ReconcileClient = Pick<UmaClient, 'listResources' | 'getResource' | 'createResource' | 'updateResource' | 'deleteResource' | 'findResourceIdByName'>;

/**
 * One AS call through the guard; `idempotent` allows the guard's retry when the AS was
 * unreachable; `caller` is the request it is made for (none for boot, reload and probes).
 */
export type GuardedAsCall = <T>(endpoint: UmaEndpoint, idempotent: boolean, work: () => Promise<T>, caller?: OxdCaller) => Promise<T>;

export interface ReconcileOptions {
  readonly client: ReconcileClient;
  readonly call: GuardedAsCall;
  readonly state: UmaStateFile;
  readonly namePrefix: string;
  /** The state file could not be written: not fatal, the next reconcile adopts by name. */
  readonly onStateError: (err: unknown) => void;
}

export interface ReconcileResult {
  /** Desired key → AS resource id, for every desired resource. */
  readonly ids: ReadonlyMap<string, string>;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
}

export async function reconcile(options: ReconcileOptions, desired: readonly DesiredResource[]): Promise<ReconcileResult> {
  const { client, call } = options;
  const recorded = await options.state.read();
  const asIds = new Set(await call('resource_registration', true, () => client.listResources()));
  const known = new Set([...recorded.values()].map((r) => r.id));
  const unrecorded: AsResourceInfo[] = [];
  for (const id of asIds) {
    if (known.has(id)) continue;
    const resource = await call('resource_registration', true, () => client.getResource(id)).catch(goneAs(undefined));
    if (resource !== undefined) unrecorded.push({ id, name: resource.name, type: resource.type, hash: descriptionHash(resource) });
  }
  const byKey = new Map(desired.map((d) => [d.key, d]));
  const ids = new Map<string, string>();
  const counts = { created: 0, updated: 0, deleted: 0 };
  for (const step of planReconcile({ desired, recorded, asIds, unrecorded, namePrefix: options.namePrefix })) {
    if (step.op === 'delete') {
      await call('resource_registration', true, () => client.deleteResource(step.id)).catch(goneAs(undefined));
      counts.deleted += 1;
      continue;
    }
    const resource = byKey.get(step.key);
    if (resource === undefined) continue;
    if (step.op === 'keep') {
      ids.set(step.key, step.id);
    } else if (step.op === 'update' && (await update(options, step.id, resource))) {
      ids.set(step.key, step.id);
      counts.updated += 1;
    } else {
      ids.set(step.key, await create(options, resource));
      counts.created += 1;
    }
  }
  await writeState(options, desired, ids);
  return { ids, ...counts };
}

/** PUTs the description; false when the resource vanished meanwhile (then it is created). */
async function update(options: ReconcileOptions, id: string, resource: DesiredResource): Promise<boolean> {
  return options
    .call('resource_registration', true, () => options.client.updateResource(id, resource.description))
    .then(() => true)
    .catch(goneAs(false));
}

async function create(options: ReconcileOptions, resource: DesiredResource): Promise<string> {
  const { client, call } = options;
  const { description } = resource;
  try {
    // Not retried on a refused connection: a POST that did reach the AS would create a twin.
    return await call('resource_registration', false, () => client.createResource(description));
  } catch (err) {
    if (!(err instanceof UmaError) || err.code !== 'resource_conflict') throw err;
    // Keycloak names are unique per owner: a resource of that name exists (ours from a lost
    // state file, or created by an earlier attempt that timed out). Adopt it, as described.
    const id = await call('resource_registration', true, () => client.findResourceIdByName(description.name));
    if (id === undefined) throw err;
    await call('resource_registration', true, () => client.updateResource(id, description));
    return id;
  }
}

async function writeState(options: ReconcileOptions, desired: readonly DesiredResource[], ids: ReadonlyMap<string, string>): Promise<void> {
  const record = new Map<string, RecordedResource>();
  for (const d of desired) {
    const id = ids.get(d.key);
    if (id !== undefined) record.set(d.key, { id, hash: d.hash });
  }
  await options.state.write(record).catch(options.onStateError);
}

/** A 404 from the AS for a resource means it is already gone: answer `value` instead. */
function goneAs<T>(value: T): (err: unknown) => T {
  return (err) => {
    if (err instanceof UmaError && err.code === 'invalid_resource_id') return value;
    throw err;
  };
}
