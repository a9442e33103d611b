/** What a node of a cluster reads to catch up on bus events it missed. */
export interface ClusterStore {
  /**
   * msg_ids of stored pushes above `after`, ascending, at most `limit` (msg_ids start with
   * their second, so "above the first id of second S" is "accepted from S on").
   */
  pushIdsAfter(after: string, limit: number): Promise<string[]>;
}
