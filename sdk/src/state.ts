/**
 * What a device must keep between runs: its credentials (the secret is shown only once) and
 * the msg_ids it has already received, so a push delivered again after a restart is not shown
 * twice.
 */
export interface ClientState {
  registrationId: string | null;
  deviceSecret: string | null;
  /** Recently received msg_ids, oldest first. */
  seen: string[];
}

export function emptyState(): ClientState {
  return { registrationId: null, deviceSecret: null, seen: [] };
}

/** Accepts anything (a parsed file, storage contents) and keeps only what is well formed. */
export function normalizeState(raw: unknown): ClientState {
  if (typeof raw !== 'object' || raw === null) return emptyState();
  const r = raw as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  return {
    registrationId: text(r.registrationId),
    deviceSecret: text(r.deviceSecret),
    seen: Array.isArray(r.seen) ? r.seen.filter((id): id is string => typeof id === 'string') : [],
  };
}
