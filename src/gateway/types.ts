import type { DevicePlatform } from '../domain/device.js';

/**
 * The seam between the gateway (device connections) and the rest of the node. The gateway
 * owns sockets, frames, limits and heartbeats; it knows nothing of pushes beyond sending
 * frames it is handed. Delivery owns what is sent and when.
 */

/** One authenticated device connection. */
export interface DeviceSession {
  readonly appKey: string;
  /** Dense device number inside its app (bitmap position). */
  readonly num: number;
  readonly registrationId: string;
  readonly platform: DevicePlatform;
  /** Epoch ms when the session authenticated. */
  readonly connectedAt: number;
  /**
   * Queues one encoded frame (a JSON text frame, pre-encoded once per fan-out). Returns false
   * when the session is closed or too far behind (it is then closed as a slow consumer and
   * the device gets what it missed when it reconnects).
   */
  send(frame: Buffer): boolean;
  /** Runs `fn`, whose sends then leave in one socket write instead of one each. */
  batch(fn: () => void): void;
  close(code: number, reason: string): void;
  readonly open: boolean;
}

/** What a device may ask of the server besides acks and clicks. */
export interface DeviceUpdate {
  tags?: { add?: string[]; remove?: string[] };
  /** null removes the alias. */
  alias?: string | null;
  /** The user account the device binds (null unbinds it). */
  account?: string | null;
}

/** A device's names after a change, as the reply frame carries them. */
export interface DeviceState {
  tags: string[];
  alias: string | null;
  /** Absent from test doubles that know no accounts. */
  account?: string | null;
}

export interface DeviceCredentialsCheck {
  /** The device these credentials belong to, or undefined (constant-time check). */
  authenticate(registrationId: string, deviceSecret: string): Promise<
    { appKey: string; num: number; registrationId: string; platform: DevicePlatform } | undefined
  >;
}

/** Callbacks the gateway makes; delivery (and the registry) implement them. */
export interface GatewayHooks {
  /** After authentication: delivery sends what the device is owed. */
  online(session: DeviceSession): void;
  offline(session: DeviceSession): void;
  /** The device received these pushes. */
  ack(session: DeviceSession, msgIds: string[]): void;
  /** The user opened this push's notification. */
  click(session: DeviceSession, msgId: string): void;
  /** Tag / alias changes from the device itself; resolves with the device's tags and alias after it. */
  update(session: DeviceSession, update: DeviceUpdate): Promise<DeviceState>;
}
