import type { DevicePlatform } from '../domain/device.js';

/** An app's account at its SMS gateway (JSMS protocol): where to send, and the Basic credentials. */
export interface SmsAccount {
  appKey: string;
  endpoint: string;
  key: string;
  secret: string;
  /** Signature used when a push's sms_message names none; null: the gateway's default. */
  signId: number | null;
  updatedAt: number;
}

/** A push's SMS supplement, due `delay_time` after the push. */
export interface SmsJob {
  msgId: string;
  appKey: string;
  dueAt: number;
}

export interface SmsRecipient {
  num: number;
  registrationId: string;
  platform: DevicePlatform;
  mobile: string;
}

export interface SmsCounts {
  sent: number;
  failed: number;
  /** Claimed, with no answer recorded: in flight, or lost to a crash (never sent again). */
  pending: number;
  /** Targets that had no mobile number (or were filtered out by active_filter). */
  skipped: number;
  /** Whether the job is done. */
  finished: boolean;
}

export interface SmsStore {
  setAccount(account: SmsAccount): Promise<void>;
  getAccount(appKey: string): Promise<SmsAccount | undefined>;
  removeAccount(appKey: string): Promise<boolean>;
  /** Unfinished jobs due at `now`, earliest first. (Jobs are written with their push by `pushes.insert`.) */
  due(now: number, limit: number): Promise<SmsJob[]>;
  finish(msgId: string, skipped: number, note: string | null, at: number): Promise<void>;
  /** Of these devices of the app, those with a mobile number. */
  recipients(appKey: string, nums: readonly number[]): Promise<SmsRecipient[]>;
  /** Claims one device's SMS of a push, durably; false if it was claimed before (never send twice). */
  claim(msgId: string, appKey: string, num: number, mobile: string, at: number): Promise<boolean>;
  /** Records the gateway's answer for a claimed SMS. */
  mark(msgId: string, num: number, state: 'sent' | 'failed', result: string, at: number): Promise<void>;
  counts(msgId: string): Promise<SmsCounts | undefined>;
}
