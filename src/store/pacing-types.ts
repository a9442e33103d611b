/** How far a paced push (big_push_duration) has released its targets, in device-number order. */
export interface PacingProgress {
  msgId: string;
  appKey: string;
  /** Targets released so far (a count, from the lowest device number up). */
  released: number;
  /** Highest device number released; -1 before the first slice. */
  lastNum: number;
  updatedAt: number;
  /** Set once every target was released, or the push stopped (expired, revoked). */
  finishedAt: number | null;
}

export interface PacingStore {
  get(msgId: string): Promise<PacingProgress | undefined>;
  /** Records a released slice (or the end); durable once it resolves. */
  save(progress: PacingProgress): Promise<void>;
  /**
   * Claims the slice from `fromReleased` to `progress.released`: recorded only while the stored
   * progress is still `fromReleased` (no row counts as 0) and unfinished, so of several nodes
   * pacing one push exactly one releases each slice. Returns whether this call recorded it.
   */
  claim(progress: PacingProgress, fromReleased: number): Promise<boolean>;
}
