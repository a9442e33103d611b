import type { Logger } from 'pino';
import type { MessagingRegistry } from '../messaging/registry.js';
import { reportsDelivery, type MessagingChannelId, type MessagingResult } from '../messaging/types.js';
import type { UmsJob, UmsJobState, UmsMessageRecord, UmsStepCondition, UmsStore } from '../store/ums-types.js';
import { RECORD, type RecordFact, type UmsCallbackQueue } from './callbacks.js';
import { messagingCredentials } from './secrets.js';

export interface DispatcherOptions {
  pollMs: number;
  /** Milliseconds one second of a delay lasts (retry backoff scales with it). */
  secondMs: number;
}

/** Sends one push for an app step: `msg_app` to these registration ids; resolves to its msg_id. */
export type AppPushSender = (appKey: string, msgApp: Record<string, unknown>, registrationIds: string[]) => Promise<string>;

/** Registration ids one push of an app step names (the push API's own limit). */
const RIDS_PER_PUSH = 1000;
const JOBS_PER_ROUND = 2000;
/** A messaging send that failed but may work later is tried this many times in all. */
const MAX_ATTEMPTS = 3;
/** Seconds (policy seconds) before such a retry. */
const RETRY_SECONDS = 30;

/** Whether a step with this condition runs, given the user's earlier steps of the message. */
export function conditionHolds(condition: UmsStepCondition, earlier: readonly UmsJob[]): boolean {
  switch (condition) {
    case 'always':
      return true;
    // SMS and email gateways report no delivery: their accepted submission counts as delivered
    case 'not_delivered':
      return !earlier.some((j) => j.deliveredAt !== null || (j.channel !== 'app' && j.state === 'submitted'));
    case 'not_clicked':
      return !earlier.some((j) => j.clickedAt !== null);
    case 'submit_failed':
      return !earlier.some((j) => j.state === 'submitted');
  }
}

/**
 * Runs the jobs of accepted UMS messages as they come due: per (message, step) it checks the
 * step's condition against each user's earlier steps, claims the jobs in the store, hands
 * them to the channel (app steps become pushes of the app through the push engine, the others
 * go through the messaging registry) and marks each with its outcome. A claimed job is never
 * claimed again, so a restart resumes unclaimed jobs and repeats none (a claim whose outcome
 * was lost to a crash stays `claimed`).
 */
export class UmsDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private again = false;
  private readonly messages = new Map<string, UmsMessageRecord>();

  constructor(
    private readonly store: UmsStore,
    private readonly sealingKey: Buffer,
    private readonly messaging: MessagingRegistry,
    private readonly sendAppPush: AppPushSender,
    private readonly callbacks: UmsCallbackQueue,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs what is due now; rounds never overlap (a poll during a round runs once it ends). */
  poll(): Promise<void> {
    if (this.again) return this.running;
    this.again = true;
    this.running = this.running.then(async () => {
      this.again = false;
      try {
        for (;;) {
          const due = await this.store.dueJobs(Date.now(), JOBS_PER_ROUND);
          if (due.length === 0 || this.stopped) return;
          await this.runAll(due);
          if (due.length < JOBS_PER_ROUND) return;
        }
      } catch (err) {
        this.logger.error({ err }, 'UMS dispatch round failed; will retry');
      }
    });
    return this.running;
  }

  private async runAll(due: UmsJob[]): Promise<void> {
    const groups = new Map<string, UmsJob[]>();
    for (const j of due) {
      const key = `${j.msgid}\u0000${j.step}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(j);
    }
    for (const jobs of groups.values()) {
      if (this.stopped) return;
      const m = await this.message(jobs[0]!.msgid);
      if (!m) continue;
      await this.runStep(m, jobs);
    }
  }

  private async message(msgid: string): Promise<UmsMessageRecord | undefined> {
    let m = this.messages.get(msgid);
    if (!m) {
      m = await this.store.getMessage(msgid);
      if (!m) return undefined;
      if (this.messages.size > 1000) this.messages.clear();
      this.messages.set(msgid, m);
    }
    return m;
  }

  private async runStep(m: UmsMessageRecord, jobs: UmsJob[]): Promise<void> {
    const { step, channel } = jobs[0]!;
    const condition = m.steps[step]?.condition ?? 'always';
    const now = Date.now();
    let runnable = jobs;
    if (condition !== 'always') {
      const earlier = new Map<string, UmsJob[]>();
      for (const j of await this.store.earlierJobs(m.msgid, step, jobs.map((j) => j.target))) {
        let list = earlier.get(j.target);
        if (!list) earlier.set(j.target, (list = []));
        list.push(j);
      }
      runnable = [];
      for (const j of jobs) {
        if (conditionHolds(condition, earlier.get(j.target) ?? [])) runnable.push(j);
        else await this.store.finishJob(m.msgid, step, j.target, 'skipped', `condition ${condition} not met`, null, now);
      }
    }
    const facts: RecordFact[] = [];
    const withAddress: UmsJob[] = [];
    for (const j of runnable) {
      if (j.addresses.length > 0) withAddress.push(j);
      else {
        await this.store.finishJob(m.msgid, step, j.target, 'invalid', `no ${channel} address bound`, null, now);
        facts.push({ type: RECORD.targetInvalid, userid: j.target, address: '', channel, error: { code: 4004, message: `no ${channel} address bound` } });
      }
    }
    const claimedIds = new Set(await this.store.claimJobs(m.msgid, step, withAddress.map((j) => j.target), now));
    const claimed = withAddress.filter((j) => claimedIds.has(j.target));
    for (const j of claimed) for (const address of j.addresses) facts.push({ type: RECORD.targetValid, userid: j.target, address, channel });
    await this.callbacks.emit(m, facts);
    if (claimed.length === 0) return;
    if (channel === 'app') await this.runApp(m, step, claimed);
    else await this.runMessaging(m, step, channel, claimed);
  }

  private async runApp(m: UmsMessageRecord, step: number, jobs: UmsJob[]): Promise<void> {
    const channel = await this.store.getChannel(m.channelKey);
    const msgApp = m.content.app;
    let chunk: UmsJob[] = [];
    let rids = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const batch = chunk;
      chunk = [];
      rids = 0;
      const facts: RecordFact[] = [];
      let pushMsgId: string | null = null;
      let failure: { code: number; message: string } | undefined;
      if (!channel?.appKey || !msgApp) failure = { code: 1015006, message: 'the APP channel is no longer authorized' };
      else {
        try {
          pushMsgId = await this.sendAppPush(channel.appKey, msgApp, [...new Set(batch.flatMap((j) => j.addresses))]);
          await this.store.recordAppPush(pushMsgId, m.msgid, step);
        } catch (err) {
          const e = err as { code?: number; message?: string };
          failure = { code: typeof e.code === 'number' ? e.code : 5000, message: String(e.message ?? err).slice(0, 200) };
        }
      }
      const at = Date.now();
      for (const j of batch) {
        await this.store.finishJob(m.msgid, step, j.target, failure ? 'failed' : 'submitted', failure ? failure.message : null, pushMsgId, at);
        for (const address of j.addresses) {
          facts.push(failure ? { type: RECORD.submitFailed, userid: j.target, address, channel: 'app', error: failure } : { type: RECORD.submitted, userid: j.target, address, channel: 'app' });
        }
      }
      await this.callbacks.emit(m, facts);
    };
    for (const j of jobs) {
      if (rids + j.addresses.length > RIDS_PER_PUSH) await flush();
      chunk.push(j);
      rids += j.addresses.length;
    }
    await flush();
  }

  private async runMessaging(m: UmsMessageRecord, step: number, channelId: string, jobs: UmsJob[]): Promise<void> {
    const impl = this.messaging.get(channelId as MessagingChannelId);
    const creds = impl ? await messagingCredentials(this.store, this.sealingKey, m.channelKey, channelId) : undefined;
    const content = m.content[channelId];
    const pairs = jobs.flatMap((j) => j.addresses.map((address) => ({ job: j, address })));
    const results: MessagingResult[] = [];
    if (!impl || !creds || !content) {
      for (const _ of pairs) results.push({ kind: 'failed', reason: `the ${channelId} channel has no credentials or content`, retry: false });
    } else {
      for (let i = 0; i < pairs.length; i += impl.maxBatch) {
        const slice = pairs.slice(i, i + impl.maxBatch);
        let answer: MessagingResult[];
        try {
          answer = await impl.send(content, slice.map((p) => ({ address: p.address })), creds);
        } catch (err) {
          answer = slice.map(() => ({ kind: 'failed', reason: String((err as Error).message ?? err).slice(0, 200), retry: true }));
        }
        for (let k = 0; k < slice.length; k++) results.push(answer[k] ?? { kind: 'failed', reason: 'no answer for this recipient', retry: true });
      }
    }
    const byJob = new Map<UmsJob, MessagingResult[]>();
    pairs.forEach((p, i) => {
      let list = byJob.get(p.job);
      if (!list) byJob.set(p.job, (list = []));
      list.push(results[i]!);
    });
    const facts: RecordFact[] = [];
    const at = Date.now();
    for (const j of jobs) {
      const rs = byJob.get(j) ?? [];
      const retry = rs.every((r) => r.kind === 'failed') && rs.some((r) => r.kind === 'failed' && r.retry) && j.attempts + 1 < MAX_ATTEMPTS;
      if (retry) {
        await this.store.retryJob(m.msgid, step, j.target, at + RETRY_SECONDS * this.options.secondMs, reasonOf(rs));
        continue;
      }
      const state: UmsJobState = rs.some((r) => r.kind === 'submitted') ? 'submitted' : rs.every((r) => r.kind === 'invalidTarget') ? 'invalid' : 'failed';
      // a vendor that reports delivery later is asked by this id (see delivery-reports.ts)
      const vendorId = impl && reportsDelivery(impl) ? rs.find((r) => r.kind === 'submitted' && r.vendorMessageId !== undefined) : undefined;
      const reportId = vendorId?.kind === 'submitted' && vendorId.vendorMessageId !== undefined ? `${channelId}:${vendorId.vendorMessageId}` : null;
      await this.store.finishJob(m.msgid, step, j.target, state, state === 'submitted' ? null : reasonOf(rs), reportId, at);
      rs.forEach((r, k) => {
        const address = j.addresses[k]!;
        if (r.kind === 'submitted') facts.push({ type: RECORD.submitted, userid: j.target, address, channel: channelId });
        else if (r.kind === 'invalidTarget') facts.push({ type: RECORD.targetInvalid, userid: j.target, address, channel: channelId, error: { code: 4004, message: r.reason } });
        else facts.push({ type: RECORD.submitFailed, userid: j.target, address, channel: channelId, error: { code: Number(r.code) || 5000, message: r.reason } });
      });
    }
    await this.callbacks.emit(m, facts);
  }
}

function reasonOf(rs: readonly MessagingResult[]): string {
  for (const r of rs) if (r.kind !== 'submitted') return r.reason.slice(0, 200);
  return '';
}
