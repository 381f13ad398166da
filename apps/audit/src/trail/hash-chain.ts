import { createHash } from 'node:crypto';

/** The fields of a record that its hash covers, in one fixed shape. */
export interface ChainedFields {
  seq: number;
  messageId: string;
  kind: string;
  type: string;
  subject: string | null;
  nodeId: string | null;
  actor: string;
  correlationId: string;
  causationId: string | null;
  time: string;
  data: unknown;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256(previous hash + canonical record): altering, inserting or removing a record breaks every later link. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}
