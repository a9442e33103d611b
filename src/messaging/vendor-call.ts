import { networkReason, parseJsonSafe, readCapped } from '../channels/vendor-http.js';

/**
 * One HTTP exchange with a messaging vendor: bounded in time (headers and body alike) and in
 * size, never throwing. Each channel reads the vendor's own answer format from the result.
 */

/** Deployment settings every HTTP messaging channel takes (`messaging.<channel>.*`). */
export interface VendorHttpOptions {
  /** The vendor's origin (or, for Alipay, its gateway URL). */
  endpoint: string;
  /** Time one request has to complete, answer body included, in ms. */
  timeoutMs: number;
  /** Requests in flight at once for one `send`. */
  concurrency: number;
}

export type VendorReply =
  /** The vendor answered; `json` is undefined when the body was not JSON (or was cut off). */
  | { ok: true; status: number; text: string; json: unknown }
  /** Nothing usable came back: network failure or timeout. */
  | { ok: false; reason: string };

export async function callVendor(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<VendorReply> {
  // one signal for the whole exchange, so a vendor trickling its body cannot hold a send
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    // a redirect is not followed: access tokens and signed parameters go only to the endpoint
    res = await fetch(url, { ...init, signal, redirect: 'manual' });
  } catch (err) {
    return { ok: false, reason: networkReason(err) };
  }
  const text = await readCapped(res);
  if (signal.aborted) return { ok: false, reason: 'vendor did not answer in time' };
  return { ok: true, status: res.status, text, json: parseJsonSafe(text) };
}

/** A JSON object, or undefined for anything else (arrays, scalars, non-JSON). */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A short, single-line excerpt of a vendor's text for a failure reason. */
export function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
