/**
 * The cluster's messages are validated on receipt: a worker that crashed half-way, or a primary
 * of another version, may send anything, and a worker must never decide under ids it cannot
 * read (it would judge requests against the wrong AS resource).
 */
import { describe, expect, it } from 'vitest';
import { parsePrimaryMessage, parseWorkerMessage } from '../../src/proxy/cluster-protocol.js';

const POLICY = { type: 'umagate:policy', generation: 2, text: 'resources: []', registered: true, registrationEpoch: 1, registeredIds: [{ pattern: '/photo', methods: ['GET'], id: 'r-1' }] };

describe('parsePrimaryMessage', () => {
  it('reads a policy message with the ids of its generation', () => {
    expect(parsePrimaryMessage(POLICY)).toEqual(POLICY);
    expect(parsePrimaryMessage({ ...POLICY, registeredIds: [] })).toEqual({ ...POLICY, registeredIds: [] });
  });

  it.each([
    { name: 'no ids at all', value: { ...POLICY, registeredIds: undefined } },
    { name: 'ids that are not a list', value: { ...POLICY, registeredIds: { '/photo': 'r-1' } } },
    { name: 'an entry without an id', value: { ...POLICY, registeredIds: [{ pattern: '/photo', methods: ['GET'] }] } },
    { name: 'an empty id', value: { ...POLICY, registeredIds: [{ pattern: '/photo', methods: ['GET'], id: '' }] } },
    { name: 'methods that are not strings', value: { ...POLICY, registeredIds: [{ pattern: '/photo', methods: [1], id: 'r-1' }] } },
    { name: 'an entry that is not an object', value: { ...POLICY, registeredIds: ['r-1'] } },
    { name: 'a fractional generation', value: { ...POLICY, generation: 1.5 } },
  ])('refuses a policy message with $name', ({ value }) => {
    expect(parsePrimaryMessage(value)).toBeNull();
    expect(parsePrimaryMessage({ type: 'umagate:init', input: {}, policy: value })).toBeNull();
  });
});

describe('parseWorkerMessage', () => {
  it('reads a drift report with the registration epoch it was decided under', () => {
    expect(parseWorkerMessage({ type: 'umagate:drift', id: 3, generation: 2, epoch: 1 })).toEqual({ type: 'umagate:drift', id: 3, generation: 2, epoch: 1 });
  });

  it('reads ready and applied with the generation served, and whether it is registered', () => {
    expect(parseWorkerMessage({ type: 'umagate:applied', generation: 2, registered: true })).toEqual({ type: 'umagate:applied', generation: 2, registered: true });
    expect(parseWorkerMessage({ type: 'umagate:ready', url: 'http://127.0.0.1:1', generation: 2, registered: false })).toEqual({ type: 'umagate:ready', url: 'http://127.0.0.1:1', generation: 2, registered: false });
  });

  it.each([
    { name: 'applied without saying whether it is registered', value: { type: 'umagate:applied', generation: 2 } },
    { name: 'no epoch', value: { type: 'umagate:drift', id: 3, generation: 2 } },
    { name: 'a text epoch', value: { type: 'umagate:drift', id: 3, generation: 2, epoch: '1' } },
    { name: 'an unknown type', value: { type: 'umagate:reboot' } },
    { name: 'not an object', value: 'umagate:drift' },
  ])('refuses $name', ({ value }) => {
    expect(parseWorkerMessage(value)).toBeNull();
  });
});
