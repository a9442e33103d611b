/** SQLSTATEs of a transaction that lost a race and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/**
 * Runs `work` (a whole transaction) again when PostgreSQL aborted it for a conflict with
 * another node's transaction; other errors pass through.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (i >= attempts || typeof code !== 'string' || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 * i + Math.random() * 20));
    }
  }
}
