/**
 * Store interfaces of the advanced push features: schedules, uploaded audience files and app
 * groups. Kept apart from types.ts so each feature's records read in one place.
 */
import type { JsonObject } from '../domain/push.js';

export type ScheduleKind = 'single' | 'periodical';

export interface ScheduleRecord {
  scheduleId: string;
  appKey: string;
  name: string;
  enabled: boolean;
  kind: ScheduleKind;
  /** The `trigger` object as the API accepted it (normalized), echoed back by GET. */
  trigger: JsonObject;
  /** The `push` object as the API accepted it (without any cid), validated again when fired. */
  push: JsonObject;
  cid: string | null;
  createdAt: number;
  updatedAt: number;
  /** Next trigger instant, epoch ms; null once no trigger is left (the schedule expired). */
  nextAt: number | null;
}

/** One firing of a schedule: claimed first, then given its push's msg_id or error. */
export interface ScheduleRun {
  scheduleId: string;
  fireAt: number;
  claimedAt: number;
  msgId: string | null;
  errorCode: number | null;
  errorMessage: string | null;
  doneAt: number | null;
}

/** What the claim transaction decides for one due schedule. */
export interface ClaimDecision {
  /** Whether a trigger instant fires (false: it was missed by more than the catch-up window). */
  fire: boolean;
  /** The instant that fires, when not the schedule's stored next instant (a later missed one). */
  fireAt?: number;
  /** The schedule's next trigger instant after this one, or null when none is left. */
  nextAt: number | null;
}

export interface RunResult {
  scheduleId: string;
  fireAt: number;
  msgId?: string;
  errorCode?: number;
  errorMessage?: string;
}

export interface ScheduleStore {
  insert(record: ScheduleRecord): Promise<void>;
  get(appKey: string, scheduleId: string): Promise<ScheduleRecord | undefined>;
  byCid(appKey: string, cid: string): Promise<ScheduleRecord | undefined>;
  /** Schedules of an app that still have a trigger left, oldest first. */
  list(appKey: string, offset: number, limit: number): Promise<{ total: number; schedules: ScheduleRecord[] }>;
  countActive(appKey: string): Promise<number>;
  /** Replaces the mutable fields (name, enabled, trigger, push, nextAt); false if absent or deleted. */
  update(record: ScheduleRecord): Promise<boolean>;
  delete(appKey: string, scheduleId: string, at: number): Promise<boolean>;
  /**
   * In one transaction: takes up to `limit` schedules due at `now`, records a run for each
   * trigger instant that fires (`decide` says which), and moves each to its next instant. A trigger
   * instant is claimed once, whatever happens after, so it never fires twice.
   */
  claimDue(
    now: number,
    limit: number,
    decide: (record: ScheduleRecord, now: number) => ClaimDecision,
    /** Recorded with each run: the node that fires it. */
    node?: string,
  ): Promise<{ record: ScheduleRecord; fireAt: number }[]>;
  /** Records what the claimed runs produced, in one transaction. */
  finishRuns(results: readonly RunResult[], at: number): Promise<void>;
  /**
   * Runs claimed but never finished (the process stopped in between): marked failed with this
   * error. Without `scope`, every such run; with it, those `scope.node` claimed, those of no
   * known node, and those claimed before `scope.staleBefore` (their node never came back),
   * so a node starting leaves the runs other nodes are firing alone.
   */
  failUnfinished(errorCode: number, errorMessage: string, at: number, scope?: { node: string; staleBefore: number }): Promise<number>;
  runs(scheduleId: string): Promise<ScheduleRun[]>;
}

export type FileType = 'registration_id' | 'alias';

export interface FileRecord {
  fileId: string;
  /** The appKey that uploaded it, or `group-{GroupKey}` for a group's file. */
  ownerKey: string;
  type: FileType;
  fileName: string;
  createdAt: number;
  expiresAt: number;
  valueCount: number;
}

export interface FileStore {
  /** Registers an upload that is about to stream in; it is invisible until `commit`. */
  begin(record: FileRecord): Promise<void>;
  /** Adds a batch of values (duplicates collapse) in one transaction. */
  append(fileId: string, values: readonly string[]): Promise<void>;
  commit(fileId: string, expiresAt: number): Promise<FileRecord>;
  /** Drops a failed upload, or a deleted or expired file, values included. */
  discard(fileId: string): Promise<void>;
  get(ownerKey: string, fileId: string, now: number): Promise<FileRecord | undefined>;
  list(ownerKey: string, now: number): Promise<FileRecord[]>;
  countLive(ownerKey: string, now: number): Promise<number>;
  /**
   * Device numbers of `appKey` the file names (by registration id or by alias), visited in
   * batches, so a file of a million ids never becomes one array.
   */
  deviceNums(file: FileRecord, appKey: string, visit: (nums: number[]) => void): Promise<void>;
  /** Ids of files expired before `now` and of uploads abandoned before `staleBefore`. */
  expired(now: number, staleBefore: number, limit: number): Promise<string[]>;
}

export interface GroupRecord {
  groupKey: string;
  name: string;
  secretHash: Buffer;
  createdAt: number;
  appKeys: string[];
}

export interface GroupStore {
  create(group: Omit<GroupRecord, 'appKeys'>, appKeys: readonly string[]): Promise<void>;
  get(groupKey: string): Promise<GroupRecord | undefined>;
  list(): Promise<GroupRecord[]>;
  addApp(groupKey: string, appKey: string): Promise<boolean>;
  removeApp(groupKey: string, appKey: string): Promise<boolean>;
}
