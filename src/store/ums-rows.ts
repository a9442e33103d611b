import type { UmsJob, UmsJobState } from './ums-types.js';

const numOrNull = (v: unknown): number | null => (v == null ? null : Number(v));

/** A UMS job from its table row: both stores name and encode the columns alike. */
export function umsJobFromRow(r: Record<string, unknown>): UmsJob {
  return {
    msgid: r.msgid as string,
    step: Number(r.step),
    target: r.target as string,
    channel: r.channel as string,
    dueAt: Number(r.due_at),
    state: r.state as UmsJobState,
    addresses: JSON.parse(r.addresses as string) as string[],
    pushMsgId: (r.push_msg_id as string | null) ?? null,
    note: (r.note as string | null) ?? null,
    attempts: Number(r.attempts),
    doneAt: numOrNull(r.done_at),
    deliveredAt: numOrNull(r.delivered_at),
    clickedAt: numOrNull(r.clicked_at),
  };
}
