import roaring from 'roaring';
import type { ReceiptRow } from './types.js';

const { RoaringBitmap32 } = roaring;

function or(a: Buffer, b: Buffer): Buffer {
  const merged = RoaringBitmap32.deserialize(a, 'portable');
  merged.orInPlace(RoaringBitmap32.deserialize(b, 'portable'));
  const u = merged.serialize('portable');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * Receipts two nodes saved for one push, added up: each bitmap is the union of both (a device
 * one node saw acknowledge stays acknowledged whatever the other node saw).
 */
export function mergeReceipts(stored: ReceiptRow, incoming: ReceiptRow): ReceiptRow {
  let withdrawn: Buffer | null = stored.withdrawn ?? incoming.withdrawn;
  if (stored.withdrawn && incoming.withdrawn) withdrawn = or(stored.withdrawn, incoming.withdrawn);
  return {
    msgId: stored.msgId,
    sent: or(stored.sent, incoming.sent),
    acked: or(stored.acked, incoming.acked),
    clicked: or(stored.clicked, incoming.clicked),
    withdrawn,
  };
}
