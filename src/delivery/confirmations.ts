import type { DeviceSession } from '../gateway/types.js';
import { encodeSavedFrame } from './render.js';

/** At most this many msg_ids of each kind in one `saved` frame. */
const SAVED_FRAME_IDS = 100;

interface Pending {
  acks: string[];
  clicks: string[];
}

/**
 * Receipts (acks and clicks) a device sent, waiting for the save that makes them durable. The
 * device keeps each until told it is saved, and sends it again after a reconnect: a receipt
 * in flight when the server dies is not lost.
 */
export class SaveConfirmations {
  private pending = new Map<DeviceSession, Pending>();

  add(session: DeviceSession, kind: keyof Pending, msgId: string): void {
    let p = this.pending.get(session);
    if (!p) this.pending.set(session, (p = { acks: [], clicks: [] }));
    p[kind].push(msgId);
  }

  /** What the next save covers; later receipts wait for the save after it. */
  take(): Map<DeviceSession, Pending> {
    const taken = this.pending;
    this.pending = new Map();
    return taken;
  }

  /** The save failed: these wait for the next one. */
  restore(taken: Map<DeviceSession, Pending>): void {
    for (const [session, p] of taken) {
      for (const id of p.acks) this.add(session, 'acks', id);
      for (const id of p.clicks) this.add(session, 'clicks', id);
    }
  }

  /** Tells each still-connected device what was saved (a closed one sends its receipts again). */
  static send(saved: Map<DeviceSession, Pending>): void {
    // After a broadcast most devices confirm the same one ack: those share one frame's bytes.
    const shared = new Map<string, Buffer>();
    for (const [session, { acks, clicks }] of saved) {
      if (!session.open) continue;
      if (acks.length + clicks.length === 1) {
        const key = acks.length === 1 ? `a${acks[0]!}` : `c${clicks[0]!}`;
        let frame = shared.get(key);
        if (!frame) shared.set(key, (frame = encodeSavedFrame(clicks, acks)));
        session.send(frame);
        continue;
      }
      for (let i = 0; i < Math.max(acks.length, clicks.length); i += SAVED_FRAME_IDS) {
        session.send(encodeSavedFrame(clicks.slice(i, i + SAVED_FRAME_IDS), acks.slice(i, i + SAVED_FRAME_IDS)));
      }
    }
  }
}
