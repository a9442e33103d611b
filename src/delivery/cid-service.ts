import { randomUUID } from 'node:crypto';
import { errors } from '../domain/errors.js';
import type { CidRecord, CidType, Store } from '../store/types.js';

/** A cid keeps answering with its first push's result for one day. */
export const CID_MEMORY_MS = 24 * 3600 * 1000;
export const MAX_CID_COUNT = 1000;

export async function issueCids(store: Store, appKey: string, count: number, type: CidType): Promise<string[]> {
  const issuedAt = Date.now();
  const records: CidRecord[] = [];
  for (let i = 0; i < count; i++) {
    records.push({ cid: `${appKey}-${randomUUID()}`, appKey, type, issuedAt, msgId: null, sendno: null, usedAt: null });
  }
  await store.cids.issue(records);
  return records.map((r) => r.cid);
}

export type CidCheck = { kind: 'fresh' } | { kind: 'replay'; msgId: string; sendno: string };

/** Decides what a push carrying `cid` gets: a first acceptance, a replay, or an error. */
export async function checkCid(store: Store, appKey: string, cid: string, type: CidType): Promise<CidCheck> {
  // The prefix check is cheap and keeps a foreign app's cid from even reaching the store.
  if (!cid.startsWith(`${appKey}-`)) throw errors.invalid('cid was not issued to this app');
  const record = await store.cids.get(cid);
  if (!record || record.appKey !== appKey) throw errors.invalid('cid was not issued to this app');
  if (record.type !== type) throw errors.invalid(`cid was issued for type ${record.type}`);
  if (record.msgId === null) return { kind: 'fresh' };
  if (Date.now() - (record.usedAt ?? 0) > CID_MEMORY_MS) throw errors.invalid('cid has already been used');
  return { kind: 'replay', msgId: record.msgId, sendno: record.sendno ?? '0' };
}
