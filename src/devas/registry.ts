/** The registered resources (FEDZ §3), each owned by the resource server client whose PAT made it. */
import { randomUUID } from 'node:crypto';
import type { DevAsResource } from './types.js';

export interface ResourceFields {
  readonly name: string | undefined;
  readonly type: string | undefined;
  readonly description: string | undefined;
  readonly iconUri: string | undefined;
  readonly scopes: readonly string[];
  readonly scopeExpression: string | undefined;
  readonly iat: number | undefined;
  readonly exp: number | undefined;
}

export interface StoredResource extends ResourceFields {
  readonly id: string;
  readonly owner: string;
  /** Keycloak scope objects carry ids; kept stable per resource and scope name. */
  readonly scopeIds: ReadonlyMap<string, string>;
}

export class ResourceRegistry {
  readonly #resources = new Map<string, StoredResource>();
  readonly #nowSeconds: () => number;

  constructor(nowSeconds: () => number) {
    this.#nowSeconds = nowSeconds;
  }

  create(owner: string, fields: ResourceFields): StoredResource {
    return this.#store(randomUUID(), owner, fields);
  }

  /** Complete replacement (FEDZ §3.2.3); undefined when the owner has no such resource. */
  replace(owner: string, id: string, fields: ResourceFields): StoredResource | undefined {
    return this.get(owner, id) === undefined ? undefined : this.#store(id, owner, fields);
  }

  /** The owner's resource, unless it has expired (Janssen's `exp`). */
  get(owner: string, id: string): StoredResource | undefined {
    const resource = this.#resources.get(id);
    return resource !== undefined && resource.owner === owner && this.#live(resource) ? resource : undefined;
  }

  /** Any live resource, whoever owns it (the permission endpoint and the grant look up by id). */
  byId(id: string): StoredResource | undefined {
    const resource = this.#resources.get(id);
    return resource !== undefined && this.#live(resource) ? resource : undefined;
  }

  delete(owner: string, id: string): boolean {
    return this.get(owner, id) !== undefined && this.#resources.delete(id);
  }

  /** The owner's live resources, oldest first. */
  list(owner: string): StoredResource[] {
    return [...this.#resources.values()].filter((r) => r.owner === owner && this.#live(r));
  }

  all(): readonly DevAsResource[] {
    return [...this.#resources.values()]
      .filter((r) => this.#live(r))
      .map((r) => ({ id: r.id, owner: r.owner, name: r.name, type: r.type, scopes: r.scopes, scopeExpression: r.scopeExpression, exp: r.exp }));
  }

  clear(): void {
    this.#resources.clear();
  }

  #store(id: string, owner: string, fields: ResourceFields): StoredResource {
    const previous = this.#resources.get(id)?.scopeIds;
    const scopeIds = new Map(fields.scopes.map((s) => [s, previous?.get(s) ?? randomUUID()]));
    const resource: StoredResource = { ...fields, id, owner, scopeIds };
    // Map.set on an existing key keeps its place, so the list stays in creation order.
    this.#resources.set(id, resource);
    return resource;
  }

  #live(resource: StoredResource): boolean {
    return resource.exp === undefined || this.#nowSeconds() < resource.exp;
  }
}
