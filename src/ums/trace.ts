import type { UmsJob, UmsMessageRecord } from '../store/ums-types.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/**
 * Which step of a message went to whom over which channel, and what came of it: one row per
 * job (user or raw address, step), as `borealis ums trace` and `GET /v1/trace/{msgid}` show it.
 */
export function traceOf(m: UmsMessageRecord, jobs: readonly UmsJob[]) {
  return {
    msgid: m.msgid,
    channelKey: m.channelKey,
    ruleId: m.ruleId,
    retracted: m.retractedAt !== null,
    jobs: jobs.map((j) => ({
      target: j.target,
      step: j.step,
      channel: j.channel,
      state: j.state,
      addresses: j.addresses,
      due: iso(j.dueAt),
      done: iso(j.doneAt),
      delivered: iso(j.deliveredAt),
      clicked: iso(j.clickedAt),
      push: j.pushMsgId,
      note: j.note,
    })),
  };
}
