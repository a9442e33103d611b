import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { DevicePlatform } from '../domain/device.js';
import { Close, encodeError, wireTextFrame } from './frames.js';
import type { DeviceSession } from './types.js';

/**
 * Whole wire frames by payload. A push's payload is one Buffer shared by all its recipients,
 * so a fan-out builds the frame once and hands the same bytes to every socket, where `ws` would
 * build a header and write two buffers per connection. Entries go with their payload.
 */
const wireFrames = new WeakMap<Buffer, Buffer>();

function wireFrameOf(payload: Buffer): Buffer {
  let f = wireFrames.get(payload);
  if (!f) wireFrames.set(payload, (f = wireTextFrame(payload)));
  return f;
}

export const SessionState = {
  /** Connected, waiting for the `auth` frame. */
  Pending: 0,
  /** `auth` received, credentials being checked. */
  Authenticating: 1,
  Open: 2,
  Closed: 3,
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** What a session needs from the gateway that owns it. */
export interface SessionOwner {
  readonly maxBufferedBytes: number;
  /** Called once when the session ends, whichever side ends it. */
  finished(session: Session): void;
}

export interface SessionIdentity {
  appKey: string;
  num: number;
  registrationId: string;
  platform: DevicePlatform;
}

/**
 * One device connection, from the upgrade on. Kept deliberately small: tens of thousands of
 * them sit idle on one node, so there are no timers or buffers here, only numbers that the
 * gateway's single sweep reads.
 */
export class Session implements DeviceSession {
  state: SessionState = SessionState.Pending;
  appKey = '';
  num = -1;
  registrationId = '';
  platform: DevicePlatform = 'android';
  connectedAt = 0;
  /** Epoch ms of the last frame (before authentication: of the upgrade). */
  lastSeen: number;
  /** Token bucket of the frame rate limit. */
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded connection under `ws`, corked while a batch of frames is written. */
    private readonly socket: Duplex,
    private readonly owner: SessionOwner,
    now: number,
    burst: number,
  ) {
    this.lastSeen = now;
    this.tokens = burst;
    this.refilledAt = now;
  }

  get open(): boolean {
    return this.state === SessionState.Open;
  }

  authenticated(identity: SessionIdentity, now: number): void {
    this.appKey = identity.appKey;
    this.num = identity.num;
    this.registrationId = identity.registrationId;
    this.platform = identity.platform;
    this.connectedAt = now;
    this.lastSeen = now;
    this.state = SessionState.Open;
  }

  /**
   * Queues a frame whose Buffer may be shared by many connections (a push, a saved frame):
   * its wire bytes are written to the socket directly. That keeps `ws`'s framing intact
   * because this gateway never gives `ws` anything it sends later (no compression, no Blobs):
   * each of its sends is written at once too.
   */
  send(frame: Buffer): boolean {
    if (this.state !== SessionState.Open || this.ws.readyState !== this.ws.OPEN) return false;
    const wire = wireFrameOf(frame);
    if (this.ws.bufferedAmount + wire.length > this.owner.maxBufferedBytes) {
      this.close(Close.slowConsumer, 'slow consumer');
      return false;
    }
    this.socket.write(wire);
    return true;
  }

  batch(fn: () => void): void {
    this.socket.cork();
    try {
      fn();
    } finally {
      this.socket.uncork();
    }
  }

  /** Queues a text frame unless the device is too far behind, in which case it is dropped. */
  write(data: Buffer | string): boolean {
    if (this.state !== SessionState.Open) return false;
    if (this.ws.bufferedAmount + data.length > this.owner.maxBufferedBytes) {
      this.close(Close.slowConsumer, 'slow consumer');
      return false;
    }
    this.ws.send(data, { binary: false });
    return true;
  }

  /** Takes one frame from the rate limit's bucket; false when the device is over the limit. */
  takeToken(now: number, perSecond: number, burst: number): boolean {
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Ends the session: an `error` frame says why (when there is room for it), then the close
   * frame. The session counts as gone at once, before the closing handshake completes.
   */
  close(code: number, reason: string): void {
    if (this.state === SessionState.Closed) return;
    const ws = this.ws;
    try {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < this.owner.maxBufferedBytes) {
        ws.send(encodeError(undefined, code, reason), { binary: false });
      }
      ws.close(code, reason);
    } catch {
      // an invalid close code or reason from a caller: drop the connection without a handshake
      ws.terminate();
    }
    this.owner.finished(this);
  }
}
