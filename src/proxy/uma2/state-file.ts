/**
 * What direct mode registered, per AS issuer and client id: desired key → {id, hash}. One JSON
 * file may hold several (issuer, client) sections — one umagate moved between realms keeps each
 * realm's record — and is replaced atomically, so a crash leaves the old or the new record, never
 * a torn one. A missing, unreadable or foreign-shaped file reads as empty: the reconciler then
 * rebuilds the record from the AS (adopting by name), so losing it costs reads, not duplicates.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-write.js';
import { isRecord } from '../../common/json.js';
import type { RecordedResource } from './reconcile-plan.js';

const VERSION = 1;

interface Section {
  readonly issuer: string;
  readonly clientId: string;
  readonly resources: Readonly<Record<string, RecordedResource>>;
}

export class UmaStateFile {
  readonly path: string;
  readonly #issuer: string;
  readonly #clientId: string;

  constructor(path: string, issuer: string, clientId: string) {
    this.path = path;
    this.#issuer = issuer;
    this.#clientId = clientId;
  }

  async read(): Promise<Map<string, RecordedResource>> {
    const section = (await this.#sections()).find((s) => s.issuer === this.#issuer && s.clientId === this.#clientId);
    return new Map(Object.entries(section?.resources ?? {}));
  }

  /** Replaces this issuer and client's section; the others stay as they are. */
  async write(resources: ReadonlyMap<string, RecordedResource>): Promise<void> {
    const others = (await this.#sections()).filter((s) => s.issuer !== this.#issuer || s.clientId !== this.#clientId);
    const mine: Section = { issuer: this.#issuer, clientId: this.#clientId, resources: Object.fromEntries(resources) };
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify({ version: VERSION, sections: [...others, mine] }, null, 2)}\n`);
  }

  async #sections(): Promise<Section[]> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      return [];
    }
    if (!isRecord(parsed) || parsed.version !== VERSION || !Array.isArray(parsed.sections)) return [];
    return (parsed.sections as unknown[]).filter(isSection);
  }
}

function isSection(value: unknown): value is Section {
  if (!isRecord(value) || typeof value.issuer !== 'string' || typeof value.clientId !== 'string' || !isRecord(value.resources)) return false;
  return Object.values(value.resources).every((r) => isRecord(r) && typeof r.id === 'string' && typeof r.hash === 'string');
}
