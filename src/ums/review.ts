import type { UmsStore } from '../store/ums-types.js';

/**
 * API review (a channel created with `--owner-required`): its messages are accepted and
 * stored, but each job is stored this much later than it would run, so nothing goes out until
 * the message is approved (the jobs move back, shifted by the time the review took) or
 * rejected (the message is retracted). About a century: never reached by a real clock.
 */
export const REVIEW_HOLD_MS = 100 * 365 * 86_400_000;

export function heldForReview(store: UmsStore, limit = 1000): Promise<string[]> {
  return store.heldMessages(REVIEW_HOLD_MS, limit);
}

/** Releases a held message: its steps run from now as they would have from its acceptance. False when nothing was held. */
export async function approveMessage(store: UmsStore, msgid: string, now: number): Promise<boolean> {
  const m = await store.getMessage(msgid);
  if (!m || m.retractedAt !== null) return false;
  return (await store.releaseHeld(msgid, REVIEW_HOLD_MS, Math.max(0, now - m.createdAt))) > 0;
}

/** Refuses a held message: it is retracted and none of its steps run. False when nothing was held. */
export async function rejectMessage(store: UmsStore, msgid: string, now: number): Promise<boolean> {
  if (!(await store.heldMessages(REVIEW_HOLD_MS, 100_000)).includes(msgid)) return false;
  return (await store.retract(msgid, now)) !== undefined;
}
