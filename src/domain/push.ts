/**
 * The one normalized Push every API family produces. Nothing below `api/` knows which door a
 * push came in by. Content blocks keep the JPush field names (the richest of the three
 * families), so vendor channels render from a single shape.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const PLATFORMS = ['android', 'ios', 'hmos', 'quickapp'] as const;
export type Platform = (typeof PLATFORMS)[number];

export type PushSource = 'jpush' | 'emas' | 'ums';

/** Who a push targets. Kinds combine by AND; the values inside one kind as documented per kind. */
export interface Audience {
  all?: true;
  tag?: string[]; // union
  tagAnd?: string[]; // intersection
  tagNot?: string[]; // complement of the union
  alias?: string[];
  registrationId?: string[];
  /** Devices bound to any of these user accounts (EMAS's Target=ACCOUNT). */
  account?: string[];
  /** A boolean expression over tags (EMAS's tag expressions). */
  tagExpr?: TagExpression;
  segment?: string[];
  abtest?: string[];
  liveActivityId?: string;
  fileId?: string;
  /** Who uploaded `fileId` when not the pushing app: `group-{GroupKey}` for a group push. */
  fileOwner?: string;
}

/** Tags combined with and / or / not, nested; a leaf is one tag. */
export type TagExpression = { tag: string } | { and: TagExpression[] } | { or: TagExpression[] } | { not: TagExpression };

export interface PushOptions {
  /** Seconds an offline device may still receive the push; 0 = online devices only. */
  timeToLive: number;
  overrideMsgId?: string;
  apnsProduction: boolean;
  apnsCollapseId?: string;
  /** Minutes over which delivery is spread (fixed-speed push); 0 = as fast as possible. */
  bigPushDuration: number;
  classification?: number;
  /** Vendor channels the push may be relayed through (EMAS SendChannels); absent = any the router picks. */
  relayChannels?: string[];
  /** The request's `options` object as sent, for channel-specific rendering. */
  raw: JsonObject;
}

export interface PushCallback {
  url?: string;
  params?: JsonObject;
  type?: number;
}

export interface Push {
  appKey: string;
  source: PushSource;
  sendno: string;
  platforms: Platform[];
  audience: Audience;
  notification?: JsonObject;
  message?: JsonObject;
  inappMessage?: JsonObject;
  liveActivity?: JsonObject;
  smsMessage?: JsonObject;
  notification3rd?: JsonObject;
  callback?: PushCallback;
  cid?: string;
  options: PushOptions;
}

/** A push once accepted: durable, numbered, with its expiry fixed. */
export interface AcceptedPush extends Push {
  msgId: string;
  createdAt: number; // epoch ms
  expiresAt: number; // epoch ms; createdAt when time_to_live is 0
}

export const DEFAULT_TIME_TO_LIVE = 86_400;
export const MAX_TIME_TO_LIVE = 864_000;
export const MAX_BIG_PUSH_DURATION = 1_400;

export function isBroadcast(audience: Audience): boolean {
  return audience.all === true;
}
