/**
 * msg_ids: unique, increasing, numeric strings like JPush's. Layout of the integer: seconds
 * since 2020-01-01 (31 bits, enough until 2088), node number (4 bits), a sequence within the
 * second (18 bits, 262,144 ids per second per node; past that the id borrows the next
 * second). That is 53 bits, so every id is also exact as a JSON number: clients that send
 * `override_msg_id` as a number (as JPush's SDKs do) lose nothing in a JavaScript parser.
 * Ids from one node strictly increase; ids from different nodes never collide. The generator
 * starts above the highest id already stored, so a clock that stepped back across a restart
 * cannot produce an id twice.
 */
const EPOCH_S = 1_577_836_800; // 2020-01-01T00:00:00Z
const NODE_BITS = 4;
const SEQ_BITS = 18;
const SEQ_SIZE = 2 ** SEQ_BITS;
const NODE_SIZE = 2 ** NODE_BITS;
const TIME_UNIT = NODE_SIZE * SEQ_SIZE; // one second in id space
export const MAX_NODE = NODE_SIZE - 1;

export class MsgIdGenerator {
  private last: number;

  constructor(
    private readonly node: number,
    floor: bigint | number = 0,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(node) || node < 0 || node > MAX_NODE) {
      throw new RangeError(`node id must be 0..${MAX_NODE}`);
    }
    this.last = Number(floor);
  }

  next(): string {
    const seconds = Math.floor(this.now() / 1000) - EPOCH_S;
    let id = seconds * TIME_UNIT + this.node * SEQ_SIZE;
    if (id <= this.last) {
      // Same second (or the clock went back): continue after the last id, keeping our node bits.
      const lastTime = Math.floor(this.last / TIME_UNIT);
      const lastSeq = this.last % SEQ_SIZE;
      id = lastTime * TIME_UNIT + this.node * SEQ_SIZE + lastSeq + 1;
      if (lastSeq + 1 >= SEQ_SIZE || id <= this.last) id = (lastTime + 1) * TIME_UNIT + this.node * SEQ_SIZE;
    }
    this.last = id;
    return String(id);
  }
}

/** Epoch milliseconds (to the second) at which an id was issued. */
export function msgIdTime(msgId: string): number {
  return (Math.floor(Number(msgId) / TIME_UNIT) + EPOCH_S) * 1000;
}

/** The lowest msg_id any node can issue in the second of `ms` (catching up on pushes since then). */
export function firstMsgIdAt(ms: number): string {
  return String(Math.max(0, Math.floor(ms / 1000) - EPOCH_S) * TIME_UNIT);
}
