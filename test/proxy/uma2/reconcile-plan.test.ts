/** The reconcile planner, row by row: which writes make the AS hold the policy, and no others. */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/policy/index.js';
import { desiredResources, descriptionHash, type DesiredResource } from '../../../src/proxy/uma2/desired.js';
import { planReconcile, type AsResourceInfo, type PlanInput, type RecordedResource } from '../../../src/proxy/uma2/reconcile-plan.js';

const POLICY = parsePolicy(
  `
resources:
  - path: /photo
    conditions:
      - httpMethods: [GET]
        scopes: [view]
      - httpMethods: [PUT, POST]
        scopes: [all]
`,
  'policies.yaml',
);

const [GET_PHOTO, WRITE_PHOTO] = desiredResources(POLICY, 'keycloak', '') as [DesiredResource, DesiredResource];

function recorded(...entries: [DesiredResource, string, string?][]): Map<string, RecordedResource> {
  return new Map(entries.map(([d, id, hash]) => [d.key, { id, hash: hash ?? d.hash }]));
}

function asCopy(d: DesiredResource, id: string, change: Partial<{ name: string; type: string; scopes: string[] }> = {}): AsResourceInfo {
  const description = { ...d.description, ...(change.name === undefined ? {} : { name: change.name }), ...(change.type === undefined ? {} : { type: change.type }), ...(change.scopes === undefined ? {} : { resource_scopes: change.scopes }) };
  return { id, name: description.name, type: description.type, hash: descriptionHash(description) };
}

interface Row {
  readonly name: string;
  readonly input: Omit<PlanInput, 'namePrefix'> & { readonly namePrefix?: string };
  readonly steps: ReturnType<typeof planReconcile>;
}

const rows: readonly Row[] = [
  {
    name: 'everything recorded and unchanged → keep, zero writes',
    input: { desired: [GET_PHOTO, WRITE_PHOTO], recorded: recorded([GET_PHOTO, 'a'], [WRITE_PHOTO, 'b']), asIds: new Set(['a', 'b']), unrecorded: [] },
    steps: [
      { op: 'keep', key: GET_PHOTO.key, id: 'a' },
      { op: 'keep', key: WRITE_PHOTO.key, id: 'b' },
    ],
  },
  {
    name: 'one condition edited → exactly one update, same id, the other kept',
    input: { desired: [GET_PHOTO, WRITE_PHOTO], recorded: recorded([GET_PHOTO, 'a', 'old-hash'], [WRITE_PHOTO, 'b']), asIds: new Set(['a', 'b']), unrecorded: [] },
    steps: [
      { op: 'update', key: GET_PHOTO.key, id: 'a' },
      { op: 'keep', key: WRITE_PHOTO.key, id: 'b' },
    ],
  },
  {
    name: 'first boot, empty AS → create each',
    input: { desired: [GET_PHOTO, WRITE_PHOTO], recorded: new Map(), asIds: new Set(), unrecorded: [] },
    steps: [
      { op: 'create', key: GET_PHOTO.key },
      { op: 'create', key: WRITE_PHOTO.key },
    ],
  },
  {
    name: 'recorded id gone from the AS (deleted there) → create again',
    input: { desired: [GET_PHOTO], recorded: recorded([GET_PHOTO, 'a']), asIds: new Set(), unrecorded: [] },
    steps: [{ op: 'create', key: GET_PHOTO.key }],
  },
  {
    name: 'lost state file → adopt our resources by exact name, no write when they match',
    input: { desired: [GET_PHOTO, WRITE_PHOTO], recorded: new Map(), asIds: new Set(['a', 'b']), unrecorded: [asCopy(GET_PHOTO, 'a'), asCopy(WRITE_PHOTO, 'b', { scopes: ['other'] })] },
    steps: [
      { op: 'keep', key: GET_PHOTO.key, id: 'a' },
      { op: 'update', key: WRITE_PHOTO.key, id: 'b' },
    ],
  },
  {
    name: 'lost state file with duplicates (Janssen has no unique names) → adopt the matching one, delete the extra',
    input: { desired: [GET_PHOTO], recorded: new Map(), asIds: new Set(['x', 'a']), unrecorded: [asCopy(GET_PHOTO, 'x', { scopes: ['stale'] }), asCopy(GET_PHOTO, 'a')] },
    steps: [
      { op: 'keep', key: GET_PHOTO.key, id: 'a' },
      { op: 'delete', id: 'x' },
    ],
  },
  {
    name: 'a condition removed from the policy → its recorded resource deleted',
    input: { desired: [GET_PHOTO], recorded: recorded([GET_PHOTO, 'a'], [WRITE_PHOTO, 'b']), asIds: new Set(['a', 'b']), unrecorded: [] },
    steps: [
      { op: 'keep', key: GET_PHOTO.key, id: 'a' },
      { op: 'delete', id: 'b' },
    ],
  },
  {
    name: 'a recorded resource the AS already lost → nothing to delete',
    input: { desired: [], recorded: recorded([WRITE_PHOTO, 'b']), asIds: new Set(), unrecorded: [] },
    steps: [],
  },
  {
    name: 'foreign resources (other type, or our type without our prefix) → never touched',
    input: {
      desired: [],
      recorded: new Map(),
      asIds: new Set(['kc-default', 'other-rs', 'ours-old']),
      unrecorded: [
        { id: 'kc-default', name: 'Default Resource', type: 'urn:my-client:resources:default', hash: 'h' },
        { id: 'other-rs', name: 'team-b:[GET] /photo', type: 'urn:umagate:resource', hash: 'h' },
        asCopy(GET_PHOTO, 'ours-old', { name: 'team-a:[GET] /photo' }),
      ],
      namePrefix: 'team-a:',
    },
    steps: [{ op: 'delete', id: 'ours-old' }],
  },
  {
    // Without a prefix every name starts with it: the type alone keeps Keycloak's own
    // "Default Resource" (and any other resource server's) out of reach.
    name: 'with no name prefix, a resource of another type → never deleted',
    input: { desired: [], recorded: new Map(), asIds: new Set(['kc-default']), unrecorded: [{ id: 'kc-default', name: 'Default Resource', type: 'urn:my-client:resources:default', hash: 'h' }] },
    steps: [],
  },
  {
    name: 'a foreign resource with our exact name but another type → not adopted, ours created',
    input: { desired: [GET_PHOTO], recorded: new Map(), asIds: new Set(['f']), unrecorded: [asCopy(GET_PHOTO, 'f', { type: 'urn:someone:else' })] },
    steps: [{ op: 'create', key: GET_PHOTO.key }],
  },
];

describe('planReconcile', () => {
  it.each(rows)('$name', ({ input, steps }) => {
    expect(planReconcile({ namePrefix: '', ...input })).toEqual(steps);
  });
});

describe('desiredResources', () => {
  it("names resources as oxd does, methods in policy order, and registers ticket scopes", () => {
    const policy = parsePolicy(
      `
resources:
  - path: /photo
    conditions:
      - httpMethods: [PUT, POST]
        scopes: [all, all]
        ticketScopes: [ticket]
      - httpMethods: [DELETE]
        scope_expression:
          rule: {and: [{var: 0}, {var: 1}]}
          data: [a, b]
`,
      'policies.yaml',
    );
    const [write, del] = desiredResources(policy, 'janssen', 'rs1:') as [DesiredResource, DesiredResource];
    expect(write.description).toEqual({ name: 'rs1:[PUT, POST] /photo', type: 'urn:umagate:resource', resource_scopes: ['all', 'ticket'], exp: 4_102_444_800 });
    expect(write.required).toEqual(['all', 'all']);
    expect(write.ticketScopes).toEqual(['ticket']);
    expect(del.description.scope_expression).toBe(JSON.stringify({ rule: { and: [{ var: 0 }, { var: 1 }] }, data: ['a', 'b'] }));
    expect(del.required).toEqual(['a', 'b']);
    expect(del.ticketScopes).toEqual(['a', 'b']);
  });

  it('Keycloak gets neither scope_expression nor exp, and no uris', () => {
    expect(Object.keys(GET_PHOTO.description).sort()).toEqual(['name', 'resource_scopes', 'type']);
  });

  it('the hash ignores scope order but not scope content', () => {
    const d = GET_PHOTO.description;
    expect(descriptionHash({ ...d, resource_scopes: ['b', 'a'] })).toBe(descriptionHash({ ...d, resource_scopes: ['a', 'b'] }));
    expect(descriptionHash({ ...d, resource_scopes: ['a'] })).not.toBe(descriptionHash({ ...d, resource_scopes: ['a', 'b'] }));
  });
});
