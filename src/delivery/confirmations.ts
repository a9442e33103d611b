import type { DeviceSession } from '../gateway/types.js';
import { encodeSavedFrame } from './render.js';

/** At most this many msg_ids of each kind in one `saved` frame. */
const SAVED_FRAME_IDS = 100;

/** A device's receipts of one save; a list is created only for a kind the device sent. */
interface Pending {
  acks: string[] | null;
  clicks: string[] | null;
}

const NONE: readonly string[] = [];

/**
 * Receipts (acks and clicks) a device sent, waiting for the save that makes them durable. The
 * device keeps each until told it is saved, and sends it again after a reconnect: a receipt
 * in flight when the server dies is not lost.
 */
export class SaveConfirmations {
  private pending = new Map<DeviceSession, Pending>();

  add(session: DeviceSession, kind: keyof Pending, msgId: string): void {
    const p = this.pending.get(session);
    if (!p) this.pending.set(session, kind === 'acks' ? { acks: [msgId], clicks: null } : { acks: null, clicks: [msgId] });
    else (p[kind] ??= []).push(msgId);
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
      for (const id of p.acks ?? NONE) this.add(session, 'acks', id);
      for (const id of p.clicks ?? NONE) this.add(session, 'clicks', id);
    }
  }

  /** Tells each still-connected device what was saved (a closed one sends its receipts again). */
  static send(saved: Map<DeviceSession, Pending>): void {
    // After a broadcast most devices confirm the same one ack: those share one frame's bytes.
    const sharedAcks = new Map<string, Buffer>();
    for (const [session, p] of saved) {
      if (!session.open) continue;
      const acks = p.acks ?? NONE;
      const clicks = p.clicks ?? NONE;
      if (acks.length === 1 && clicks.length === 0) {
        const id = acks[0]!;
        let frame = sharedAcks.get(id);
        if (!frame) sharedAcks.set(id, (frame = encodeSavedFrame(NONE, acks)));
        session.send(frame);
        continue;
      }
      for (let i = 0; i < Math.max(acks.length, clicks.length); i += SAVED_FRAME_IDS) {
        session.send(encodeSavedFrame(clicks.slice(i, i + SAVED_FRAME_IDS), acks.slice(i, i + SAVED_FRAME_IDS)));
      }
    }
  }
}
