import type { FastifyReply, FastifyRequest } from 'fastify';
import { EMPTY_SECRET_HASH, secretMatches } from '../apps/credentials.js';
import type { ServerContext } from '../context.js';
import { ApiError, errors } from '../domain/errors.js';
import type { GroupRecord } from '../store/advanced-types.js';
import { parseBasicAuth, requireApp, runHook } from '../api/http/auth.js';

/** Group credentials are `group-{GroupKey}:{GroupMasterSecret}`. */
export const GROUP_USER_PREFIX = 'group-';
const GROUP_KEY_PATTERN = /^[0-9a-f]{24}$/;

/** Who a request authenticated as, where both apps and groups may call (the File API). */
export type Caller = { kind: 'app'; appKey: string; ownerKey: string } | { kind: 'group'; group: GroupRecord; ownerKey: string };

/**
 * Checks `group-{GroupKey}:{secret}` in constant time (unknown groups cost the same digest),
 * then the group's own request allowance, counted under its group key.
 */
export async function authenticateGroup(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply): Promise<GroupRecord> {
  const creds = parseBasicAuth(request.headers.authorization);
  if (!creds) throw new ApiError(1004, 'Authen failed: missing or malformed Basic authorization', 401);
  if (!creds.user.startsWith(GROUP_USER_PREFIX)) throw new ApiError(1004, 'Authen failed: group credentials are group-{GroupKey}', 401);
  const key = creds.user.slice(GROUP_USER_PREFIX.length);
  const group = GROUP_KEY_PATTERN.test(key) ? await ctx.store.groups.get(key) : undefined;
  const ok = secretMatches(creds.secret, group?.secretHash ?? EMPTY_SECRET_HASH) && group !== undefined;
  if (!ok) throw new ApiError(1004, 'Authen failed', 401);
  const limits = ctx.config.limits;
  const decision = ctx.rateLimiter.hit(`${GROUP_USER_PREFIX}${key}`, limits.requestsPerWindow, limits.windowSeconds);
  if (decision.limit > 0) {
    reply.header('X-Rate-Limit-Limit', decision.limit);
    reply.header('X-Rate-Limit-Quota', decision.limit);
    reply.header('X-Rate-Limit-Remaining', decision.remaining);
    reply.header('X-Rate-Limit-Reset', decision.resetSeconds);
  }
  if (!decision.allowed) throw errors.rateLimited();
  return group;
}

/** An app (appKey:masterSecret) or a group (group-{GroupKey}:secret), whichever the header names. */
export async function authenticateCaller(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply): Promise<Caller> {
  const creds = parseBasicAuth(request.headers.authorization);
  if (creds?.user.startsWith(GROUP_USER_PREFIX)) {
    const group = await authenticateGroup(ctx, request, reply);
    return { kind: 'group', group, ownerKey: `${GROUP_USER_PREFIX}${group.groupKey}` };
  }
  await runHook(requireApp(ctx), request, reply);
  const appKey = request.appRecord!.appKey;
  return { kind: 'app', appKey, ownerKey: appKey };
}
