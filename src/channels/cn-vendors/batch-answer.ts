import type { RelayTarget, TargetResult } from '../types.js';
import { networkReason } from '../vendor-http.js';
import { AuthError, authFailure } from './token-cache.js';

/**
 * The end of every Xiaomi / OPPO / vivo / Meizu send: one batch request whose answer says, per
 * token, what became of it. Targets already answered (a bad token caught before sending) keep
 * their result; the others get what `request` reads for their token, or, when it throws, the
 * same result each: an auth token that could not be had, else a network failure to retry.
 */
export async function answerRemaining(
  targets: readonly RelayTarget[],
  results: TargetResult[],
  request: () => Promise<(token: string) => TargetResult>,
): Promise<TargetResult[]> {
  try {
    const classify = await request();
    targets.forEach((t, i) => {
      results[i] ??= classify(typeof t.token === 'string' ? t.token : '');
    });
  } catch (err) {
    const r: TargetResult = err instanceof AuthError ? authFailure(err) : { kind: 'retry', reason: networkReason(err) };
    targets.forEach((_, i) => {
      results[i] ??= r;
    });
  }
  return results;
}
