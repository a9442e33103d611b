/**
 * Small helpers the HTTP vendor channels share: bounded fan-out, Retry-After, capped reads of
 * vendor answers. Vendor wire formats stay in each channel's folder.
 */

/** Longest wait a vendor's Retry-After may ask for; anything longer is capped (1 hour). */
const MAX_RETRY_AFTER_MS = 3_600_000;
/** A vendor answer larger than this is not read further (error bodies are small). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Runs `work` over `items` with at most `limit` in flight, results in input order. `work`
 * must not reject (channels turn every failure into a result).
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Milliseconds from a Retry-After header (delta-seconds or an HTTP date), or undefined when
 * absent or unreadable. Capped so a hostile vendor answer cannot park work for days.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  let ms: number;
  if (/^\d{1,9}$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** Reads at most MAX_ANSWER_BYTES of a response body as text (the rest is discarded). */
export async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= MAX_ANSWER_BYTES) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // a body cut off midway: classify on what arrived
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

/** Parses JSON without throwing: undefined for anything that is not JSON. */
export function parseJsonSafe(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A short description of a network failure, for a retry reason. */
export function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'vendor did not answer in time';
  return `network error: ${e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err)}`;
}
