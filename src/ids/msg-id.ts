/**
 * msg_ids: unique, increasing, numeric strings like JPush's (17 digits today). Layout of the
 * 63-bit integer: milliseconds since 2020-01-01 (47 bits), node number (4 bits), a sequence
 * within the millisecond (12 bits). Ids from one node strictly increase; ids from different
 * nodes never collide. The generator starts above the highest id already stored, so a clock
 * that stepped back across a restart cannot produce an id twice.
 */
const EPOCH_MS = 1_577_836_800_000n; // 2020-01-01T00:00:00Z
const NODE_BITS = 4n;
const SEQ_BITS = 12n;
const SEQ_MASK = (1n << SEQ_BITS) - 1n;
export const MAX_NODE = Number((1n << NODE_BITS) - 1n);

export class MsgIdGenerator {
  private last: bigint;

  constructor(
    private readonly node: number,
    floor: bigint = 0n,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(node) || node < 0 || node > MAX_NODE) {
      throw new RangeError(`node id must be 0..${MAX_NODE}`);
    }
    this.last = floor;
  }

  next(): string {
    const ms = BigInt(this.now()) - EPOCH_MS;
    let id = (ms << (NODE_BITS + SEQ_BITS)) | (BigInt(this.node) << SEQ_BITS);
    if (id <= this.last) {
      // Same millisecond (or the clock went back): continue after the last id, keeping our node bits.
      const lastTime = this.last >> (NODE_BITS + SEQ_BITS);
      const lastSeq = this.last & SEQ_MASK;
      id = lastSeq < SEQ_MASK
        ? (lastTime << (NODE_BITS + SEQ_BITS)) | (BigInt(this.node) << SEQ_BITS) | (lastSeq + 1n)
        : ((lastTime + 1n) << (NODE_BITS + SEQ_BITS)) | (BigInt(this.node) << SEQ_BITS);
      if (id <= this.last) id = ((lastTime + 1n) << (NODE_BITS + SEQ_BITS)) | (BigInt(this.node) << SEQ_BITS);
    }
    this.last = id;
    return id.toString();
  }
}

/** Epoch milliseconds at which an id was issued (for age checks such as override's one day). */
export function msgIdTime(msgId: string): number {
  return Number((BigInt(msgId) >> (NODE_BITS + SEQ_BITS)) + EPOCH_MS);
}
