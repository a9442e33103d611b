/**
 * Frames of the device protocol, version 1: parsing and validating what devices send, and
 * encoding what the gateway itself answers. Pushes and withdrawals are encoded by delivery.
 */

export const PROTOCOL_VERSION = 1;

/** WebSocket close codes of the protocol. */
export const Close = {
  shutdown: 1001,
  tooLarge: 1009,
  internal: 1011,
  protocol: 4000,
  authFailed: 4001,
  authTimeout: 4002,
  replaced: 4003,
  idle: 4008,
  slowConsumer: 4013,
  tooManyFrames: 4029,
} as const;

/** At most this many ids in one `ack` frame. */
export const MAX_ACK_IDS = 100;
/** Credentials longer than this cannot be valid; refuse them before asking the registry. */
const MAX_CREDENTIAL_LENGTH = 128;
/** msg_ids are decimal strings (53-bit integers); allow some room for later layouts. */
const MSG_ID = /^[0-9]{1,20}$/;

export type DeviceFrame =
  | { t: 'auth'; registrationId: string; deviceSecret: string }
  | { t: 'ack'; msgIds: string[] }
  | { t: 'click'; msgId: string }
  | { t: 'tags'; id: number; tags: { add?: string[]; remove?: string[] } }
  | { t: 'alias'; id: number; alias: string | null }
  | { t: 'account'; id: number; account: string | null }
  | { t: 'ping' }
  /** Anything else: the connection is closed with 4000 and this reason. */
  | { t: 'invalid'; reason: string };

function invalid(reason: string): DeviceFrame {
  return { t: 'invalid', reason };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isRequestId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isCredential(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_CREDENTIAL_LENGTH;
}

export function isMsgId(v: unknown): v is string {
  return typeof v === 'string' && MSG_ID.test(v);
}

/**
 * Parses one text frame from a device. Never throws: anything malformed comes back as an
 * `invalid` frame. Only the fields of the protocol are read; unknown fields are ignored.
 */
export function parseDeviceFrame(text: string): DeviceFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('bad JSON');
  }
  if (!isRecord(value)) return invalid('a frame must be a JSON object');
  switch (value.t) {
    case 'auth':
      if (value.v !== PROTOCOL_VERSION) return invalid('unsupported protocol version');
      if (!isCredential(value.registration_id) || !isCredential(value.device_secret)) return invalid('bad auth frame');
      return { t: 'auth', registrationId: value.registration_id, deviceSecret: value.device_secret };
    case 'ack': {
      const ids = value.msg_ids;
      if (!Array.isArray(ids) || ids.length > MAX_ACK_IDS || !ids.every(isMsgId)) return invalid('bad ack frame');
      return { t: 'ack', msgIds: ids };
    }
    case 'click':
      if (!isMsgId(value.msg_id)) return invalid('bad click frame');
      return { t: 'click', msgId: value.msg_id };
    case 'tags': {
      const { id, add, remove } = value;
      if (!isRequestId(id)) return invalid('bad tags frame');
      if ((add !== undefined && !isStringArray(add)) || (remove !== undefined && !isStringArray(remove))) {
        return invalid('bad tags frame');
      }
      const tags: { add?: string[]; remove?: string[] } = {};
      if (add !== undefined) tags.add = add;
      if (remove !== undefined) tags.remove = remove;
      return { t: 'tags', id, tags };
    }
    case 'alias':
      if (!isRequestId(value.id) || !(typeof value.alias === 'string' || value.alias === null)) {
        return invalid('bad alias frame');
      }
      return { t: 'alias', id: value.id, alias: value.alias };
    case 'account':
      if (!isRequestId(value.id) || !(typeof value.account === 'string' || value.account === null)) {
        return invalid('bad account frame');
      }
      return { t: 'account', id: value.id, account: value.account };
    case 'ping':
      return { t: 'ping' };
    default:
      return invalid('unknown frame type');
  }
}

export function encodeReady(registrationId: string, heartbeat: number): string {
  return JSON.stringify({ t: 'ready', v: PROTOCOL_VERSION, registration_id: registrationId, heartbeat });
}

export const PONG = '{"t":"pong"}';

/** `account` only when the device has one, so replies of devices without accounts keep their shape. */
export function encodeReply(id: number, result: { tags: string[]; alias: string | null; account?: string | null }): string {
  const reply: Record<string, unknown> = { t: 'reply', id, tags: result.tags, alias: result.alias };
  if (result.account != null) reply.account = result.account;
  return JSON.stringify(reply);
}

/** An error answer to a request (with its id), or the notice before a close (without). */
export function encodeError(id: number | undefined, code: number, message: string): string {
  return JSON.stringify(id === undefined ? { t: 'error', code, message } : { t: 'error', id, code, message });
}

/**
 * A server → device text frame as it goes on the wire: FIN and opcode 1, no mask (servers do
 * not mask), the payload's length in the 7-, 16- or 64-bit form.
 */
export function wireTextFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) {
    out[1] = n;
  } else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(out, head);
  return out;
}
