/**
 * How fast wide fan-outs go on this node, and whether one is running. A fan-out writes to its
 * connections in slices and the node reads incoming frames between them, so what arrives
 * meanwhile (acks, and the `saved` confirmations they cause) slows the send loop down. Two
 * things keep that work out of it: the push frame asks for an ack delay of about twice the
 * fan-out's expected length, from the measured speed of recent fan-outs (a loaded machine asks
 * for longer delays), and confirmations wait until no send loop runs.
 */

/** Fan-outs to at most this many connections are written in one go: nothing interleaves with them. */
export const ONE_SLICE = 1000;
/** Wall-clock time per connection assumed before any wide fan-out was measured (this machine, quiet). */
const DEFAULT_US_PER_CONNECTION = 25;
/** Bounds on the measured pace, so one odd fan-out cannot make the delay absurd. */
const MIN_US_PER_CONNECTION = 5;
const MAX_US_PER_CONNECTION = 500;
/** Weight of the newest measurement in the smoothed pace. */
const SMOOTHING = 0.5;
const MAX_ACK_DELAY_MS = 10_000;

/** The ack delay (ms) a fan-out to `recipients` connections asks for: 0 (ack at once) for one slice or less. */
export function ackDelayFor(recipients: number, usPerConnection = DEFAULT_US_PER_CONNECTION): number {
  if (recipients <= ONE_SLICE) return 0;
  return Math.min(MAX_ACK_DELAY_MS, Math.ceil((recipients * 2 * usPerConnection) / 1000));
}

export class FanOutPace {
  private usPerConnection = DEFAULT_US_PER_CONNECTION;
  private running = 0;
  private waiting: (() => void)[] = [];

  ackDelayFor(recipients: number): number {
    return ackDelayFor(recipients, this.usPerConnection);
  }

  /** A fan-out of more than one slice started; `finished` must follow once. */
  started(): void {
    this.running++;
  }

  finished(recipients: number, ms: number): void {
    if (recipients > ONE_SLICE && ms > 0) {
      const measured = Math.min(MAX_US_PER_CONNECTION, Math.max(MIN_US_PER_CONNECTION, (ms * 1000) / recipients));
      this.usPerConnection += SMOOTHING * (measured - this.usPerConnection);
    }
    if (--this.running > 0) return;
    const run = this.waiting;
    this.waiting = [];
    for (const fn of run) fn();
  }

  /** Runs `fn` now, or as soon as no fan-out is running. */
  whenIdle(fn: () => void): void {
    if (this.running === 0) fn();
    else this.waiting.push(fn);
  }
}
