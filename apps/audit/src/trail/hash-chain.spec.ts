import { canonicalJson, chainHash, ChainedFields, GENESIS_HASH } from './hash-chain';

const record: ChainedFields = {
  seq: 1,
  messageId: 'm1',
  kind: 'event',
  type: 'io.somnus.inventory.node-upserted.v1',
  subject: null,
  nodeId: null,
  actor: 'token:ops',
  correlationId: 'c1',
  causationId: null,
  time: '2026-11-23T00:00:00.000Z',
  data: { b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } },
};

describe('hash chain', () => {
  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [{ z: 1, y: 2 }] } })).toBe('{"a":{"c":[{"y":2,"z":1}],"d":2},"b":1}');
  });

  it('hashes the same content the same regardless of key order', () => {
    const reordered = { ...record, data: { a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 } };
    expect(chainHash(GENESIS_HASH, reordered)).toBe(chainHash(GENESIS_HASH, record));
  });

  it('changes when any covered field or the previous hash changes', () => {
    const base = chainHash(GENESIS_HASH, record);
    expect(chainHash(GENESIS_HASH, { ...record, actor: 'token:mallory' })).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...record, data: { b: 2 } })).not.toBe(base);
    expect(chainHash('f'.repeat(64), record)).not.toBe(base);
  });
});
