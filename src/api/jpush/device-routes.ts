import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../../context.js';
import { MAX_TAGS_PER_DEVICE, MAX_TAG_CHANGES } from '../../devices/registry.js';
import { DEVICE_PLATFORMS, type DevicePlatform, type DeviceRecord } from '../../devices/types.js';
import { ApiError } from '../../domain/errors.js';
import { isRegistrationId, isTagOrAlias } from '../../domain/names.js';
import type { AppRecord } from '../../store/types.js';
import { DEVICE_AUTH_CODES, appOf, requireApp, runHook } from '../http/auth.js';
import { toApiError } from '../http/errors.js';

/** Registration ids one request may name (status, tag members, alias unbinding). */
const MAX_IDS = 1000;
/** UTF-8 bytes one tags.add (or tags.remove) list may hold in total, as JPush documents. */
const MAX_TAG_LIST_BYTES = 1000;
/** GET /v3/tags answers at most this many tag names (the first ones by name). */
const MAX_LISTED_TAGS = 100;
/** A device seen this recently counts as online (JPush's definition), even if not connected here. */
const ONLINE_WINDOW_MS = 10 * 60_000;
/** last_online_time is reported only for devices seen within this window. */
const LAST_ONLINE_WINDOW_MS = 2 * 24 * 3600_000;
/** Kept in step with the registry's rule, so a bad number fails before any other change applies. */
const MOBILE = /^\+?[0-9]{5,20}$/;
/** Every method a client might send; HEAD is served with GET. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const bad = (message: string) => new ApiError(7002, message);

/**
 * 7013 "some parameters are illegal", naming the registration ids that were not applied.
 * The legal part of the request has been applied when this is thrown: the caller learns
 * exactly which ids to fix, and retrying the whole request is harmless (every change is
 * idempotent).
 */
class IllegalRidsError extends ApiError {
  constructor(readonly illegalRids: string[]) {
    super(7013, `${illegalRids.length} registration id(s) are not valid here; the others were applied`);
  }

  override toBody() {
    const { error } = super.toBody();
    return { error: { ...error, illegal_rids: this.illegalRids } };
  }
}

type Params = Record<string, string>;
type Method = 'GET' | 'POST' | 'DELETE';

interface Endpoint {
  method: Method;
  url: string;
  /** The JSON answer, or undefined for JPush's empty 200. */
  run(owner: AppRecord, params: Params, request: FastifyRequest): Promise<unknown>;
}

/**
 * JPush Device API v3 (devices, tags, aliases), authenticated with the app's master secret.
 * Devices of other apps are indistinguishable from ids that do not exist.
 */
export function registerDeviceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const auth = requireApp(ctx, DEVICE_AUTH_CODES);
  const { registry } = ctx;

  /** A device of this app, or 7002 (also for another app's device: its existence is not revealed). */
  async function deviceOf(owner: AppRecord, rid: string | undefined): Promise<DeviceRecord> {
    const device = isRegistrationId(rid) ? await registry.get(owner.appKey, rid) : undefined;
    if (!device) throw bad('registration_id is illegal or unknown');
    return device;
  }

  const endpoints: Endpoint[] = [
    {
      method: 'GET',
      url: '/v3/devices/:registration_id',
      async run(owner, params) {
        const device = await deviceOf(owner, params.registration_id);
        return { tags: device.tags, alias: device.alias, mobile: device.mobile };
      },
    },
    {
      method: 'POST',
      url: '/v3/devices/:registration_id',
      async run(owner, params, request) {
        const device = await deviceOf(owner, params.registration_id);
        const body = objectBody(request.body, ['tags', 'alias', 'mobile'], 'body');
        const tags = parseTagChange(body.tags);
        const alias = clearableString(body.alias, 'alias', isTagOrAlias);
        const mobile = clearableString(body.mobile, 'mobile', (m) => MOBILE.test(m));
        if (tags) {
          // Checked before anything changes, so a failing request changes nothing.
          const after = new Set(tags.remove === 'all' ? [] : device.tags.filter((t) => !tags.remove.includes(t)));
          for (const t of tags.add) after.add(t);
          if (after.size > MAX_TAGS_PER_DEVICE) throw bad(`a device may have at most ${MAX_TAGS_PER_DEVICE} tags`);
        }
        // The alias goes first: it is the one change that can still be refused (7015, alias full).
        if (alias !== undefined) await registry.setAlias(device, alias);
        if (tags) await registry.changeTags(device, tags.add, tags.remove);
        if (mobile !== undefined) await registry.setMobile(device, mobile);
        return undefined;
      },
    },
    {
      method: 'POST',
      url: '/v3/devices/status',
      async run(owner, _params, request) {
        const body = objectBody(request.body, ['registration_ids'], 'body');
        const ids = stringList(body.registration_ids, 'registration_ids', MAX_IDS);
        if (ids.length === 0) throw bad('registration_ids must not be empty');
        const now = Date.now();
        // Ids that are malformed or not of this app get no entry at all (JPush leaves them empty).
        const out: Record<string, { online: boolean; last_online_time?: string }> = {};
        for (const rid of new Set(ids)) {
          const device = isRegistrationId(rid) ? await registry.get(owner.appKey, rid) : undefined;
          if (!device) continue;
          const seen = device.lastOnlineAt;
          // lastOnlineAt is written in batches; a live connection here is the freshest evidence.
          if (ctx.gateway.session(owner.appKey, device.num) || (seen !== null && now - seen <= ONLINE_WINDOW_MS)) {
            out[rid] = { online: true };
          } else if (seen !== null && now - seen <= LAST_ONLINE_WINDOW_MS) {
            out[rid] = { online: false, last_online_time: dateTime(seen) };
          } else {
            out[rid] = { online: false };
          }
        }
        return out;
      },
    },
    {
      method: 'GET',
      url: '/v3/tags',
      async run(owner) {
        return { tags: await registry.tags(owner.appKey, MAX_LISTED_TAGS) };
      },
    },
    {
      method: 'GET',
      url: '/v3/tags/:tag/registration_ids/:registration_id',
      async run(owner, params) {
        const tag = nameParam(params.tag, 'tag');
        const device = await deviceOf(owner, params.registration_id);
        return { result: device.tags.includes(tag) };
      },
    },
    {
      method: 'POST',
      url: '/v3/tags/:tag',
      async run(owner, params, request) {
        const tag = nameParam(params.tag, 'tag');
        const body = objectBody(request.body, ['registration_ids'], 'body');
        const change = objectBody(body.registration_ids, ['add', 'remove'], 'registration_ids');
        const add = optionalList(change.add, 'registration_ids.add');
        const remove = optionalList(change.remove, 'registration_ids.remove');
        if (add.length === 0 && remove.length === 0) throw bad('registration_ids.add and registration_ids.remove are both empty');
        // Malformed ids cannot be of this app: reported with the foreign ones, never looked up.
        const malformed = [...add, ...remove].filter((rid) => !isRegistrationId(rid));
        const foreign = await registry.changeTagMembers(
          owner.appKey,
          tag,
          add.filter((rid) => isRegistrationId(rid)),
          remove.filter((rid) => isRegistrationId(rid)),
        );
        const illegal = [...new Set([...malformed, ...foreign])];
        if (illegal.length > 0) throw new IllegalRidsError(illegal);
        return undefined;
      },
    },
    {
      method: 'DELETE',
      url: '/v3/tags/:tag',
      async run(owner, params, request) {
        const tag = nameParam(params.tag, 'tag');
        // Deleting a tag no device has is not an error: the outcome is the same.
        await registry.deleteTag(owner.appKey, tag, platformsOf(request.query));
        return undefined;
      },
    },
    {
      method: 'GET',
      url: '/v3/aliases/:alias',
      async run(owner, params, request) {
        const alias = nameParam(params.alias, 'alias');
        const query = request.query as Record<string, unknown>;
        const newFormat = query.new_format;
        if (newFormat !== undefined && newFormat !== 'true' && newFormat !== 'false') {
          throw bad('new_format must be true or false');
        }
        // JPush answers at most 10, its per-alias limit; the configured limit generalises that.
        const cap = ctx.config.limits.devicesPerAlias > 0 ? ctx.config.limits.devicesPerAlias : MAX_IDS;
        const devices = (await registry.aliasDevices(owner.appKey, alias, platformsOf(query))).slice(0, cap);
        if (newFormat !== 'true') return { registration_ids: devices.map((d) => d.registrationId) };
        const today = Date.now();
        return {
          data: devices.map((d) => ({
            registration_id: d.registrationId,
            platform: d.platform,
            last_online_date: ctx.gateway.session(owner.appKey, d.num)
              ? date(today)
              : d.lastOnlineAt === null
                ? null
                : date(d.lastOnlineAt),
          })),
        };
      },
    },
    {
      method: 'DELETE',
      url: '/v3/aliases/:alias',
      async run(owner, params, request) {
        const alias = nameParam(params.alias, 'alias');
        await registry.deleteAlias(owner.appKey, alias, platformsOf(request.query));
        return undefined;
      },
    },
    {
      method: 'POST',
      url: '/v3/aliases/:alias',
      async run(owner, params, request) {
        const alias = nameParam(params.alias, 'alias');
        const body = objectBody(request.body, ['registration_ids'], 'body');
        const change = objectBody(body.registration_ids, ['remove'], 'registration_ids');
        const remove = optionalList(change.remove, 'registration_ids.remove');
        if (remove.length === 0) throw bad('registration_ids.remove is empty');
        // Ids not bound to this alias (or not of this app) cannot be unbound: 7013 names them.
        const illegal = await registry.removeFromAlias(owner.appKey, alias, remove);
        if (illegal.length > 0) throw new IllegalRidsError(illegal);
        return undefined;
      },
    },
  ];

  async function respond(endpoint: Endpoint, params: Params, request: FastifyRequest, reply: FastifyReply) {
    const result = await endpoint.run(appOf(request), params, request);
    return result === undefined ? reply.status(200).send() : reply.send(result);
  }

  /**
   * Parse failures and the like arrive here as the Push API's codes; the Device API speaks
   * 70xx. Rethrown, the error reaches the server's handler, which writes the body.
   */
  function deviceErrorHandler(err: FastifyError, request: FastifyRequest) {
    const apiError = toApiError(err, ctx.config.limits.bodyBytes);
    if (apiError.code === 1002 || apiError.code === 1003) throw new ApiError(7002, apiError.message, apiError.status);
    if (apiError.status >= 500 && !(err instanceof ApiError)) {
      request.log.error({ err }, 'device api request failed');
      throw new ApiError(7000, 'Server internal error');
    }
    throw apiError;
  }

  /**
   * Requests the exact routes do not take: wrong methods (405 with Allow), parameters longer
   * than the router accepts, and doubled slashes (JPush's Node SDK sends `/v3/tags//{tag}`).
   * The path is matched here by hand against the same endpoints.
   */
  async function dispatch(request: FastifyRequest, reply: FastifyReply) {
    const segments = pathSegments(request.url);
    let best: { pattern: string[]; params: Params; score: number } | undefined;
    for (const endpoint of endpoints) {
      const pattern = endpoint.url.split('/').filter(Boolean);
      const match = matchSegments(pattern, segments);
      if (match && (!best || match.score > best.score)) best = { pattern, params: match.params, score: match.score };
    }
    if (!best) {
      throw new ApiError(7002, `No API at ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`, 404);
    }
    const url = '/' + best.pattern.join('/');
    const allowed = endpoints.filter((e) => e.url === url);
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const endpoint = allowed.find((e) => e.method === method);
    if (!endpoint) {
      const methods = allowed.map((e) => e.method).join(', ');
      reply.header('Allow', methods);
      throw new ApiError(7002, `${request.method} is not supported on ${url}; use ${methods}`, 405);
    }
    await runHook(auth, request, reply);
    return respond(endpoint, best.params, request, reply);
  }

  for (const endpoint of endpoints) {
    app.route({
      method: endpoint.method,
      url: endpoint.url,
      preHandler: auth,
      errorHandler: deviceErrorHandler,
      handler: (request, reply) => respond(endpoint, request.params as Params, request, reply),
    });
  }
  const others = (...taken: string[]) => METHODS.filter((m) => !taken.includes(m));
  // Without these, GET would read "status" as a registration id and POST /v3/tags would be a plain 404.
  app.route({ method: others('POST'), url: '/v3/devices/status', errorHandler: deviceErrorHandler, handler: dispatch });
  app.route({ method: others('GET', 'HEAD'), url: '/v3/tags', errorHandler: deviceErrorHandler, handler: dispatch });
  for (const prefix of ['/v3/devices/*', '/v3/tags/*', '/v3/aliases/*']) {
    app.route({ method: [...METHODS], url: prefix, errorHandler: deviceErrorHandler, handler: dispatch });
  }
}

// ---- input checks: every value is untrusted JSON or URL text -------------------------------

function objectBody(value: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${what} must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw bad(`${what}: unknown key ${JSON.stringify(key.slice(0, 40))}; allowed: ${keys.join(', ')}`);
  }
  return value as Record<string, unknown>;
}

function stringList(value: unknown, what: string, max: number): string[] {
  if (!Array.isArray(value)) throw bad(`${what} must be an array of strings`);
  if (value.length > max) throw bad(`${what}: at most ${max} entries`);
  if (!value.every((v) => typeof v === 'string')) throw bad(`${what} must be an array of strings`);
  return value as string[];
}

/** An optional id list: absent or null reads as empty (SDKs send either). */
function optionalList(value: unknown, what: string): string[] {
  return value === undefined || value === null ? [] : stringList(value, what, MAX_IDS);
}

/** `tags` of POST /v3/devices: "" clears them all, {add, remove} changes them, null/absent leaves them. */
function parseTagChange(value: unknown): { add: string[]; remove: string[] | 'all' } | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === '') return { add: [], remove: 'all' };
  const change = objectBody(value, ['add', 'remove'], 'tags');
  const list = (raw: unknown, what: string): string[] => {
    if (raw === undefined || raw === null) return [];
    const tags = stringList(raw, what, MAX_TAG_CHANGES);
    for (const t of tags) if (!isTagOrAlias(t)) throw bad(`${what}: illegal tag ${JSON.stringify(String(t).slice(0, 50))}`);
    const bytes = tags.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
    if (bytes > MAX_TAG_LIST_BYTES) throw bad(`${what}: at most ${MAX_TAG_LIST_BYTES} bytes of tags at once`);
    return tags;
  };
  return { add: list(change.add, 'tags.add'), remove: list(change.remove, 'tags.remove') };
}

/** alias / mobile: "" clears (null), a valid string sets, null/absent leaves it unchanged. */
function clearableString(value: unknown, what: string, valid: (v: string) => boolean): string | null | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === '') return null;
  if (typeof value !== 'string' || !valid(value)) throw bad(`${what} is illegal`);
  return value;
}

function nameParam(value: string | undefined, what: string): string {
  if (!isTagOrAlias(value)) {
    throw bad(`${what} must be 1..40 bytes of letters, digits, Chinese characters or _@!#$&*+=.|￥`);
  }
  return value;
}

/** `?platform=android,ios`: absent, empty or containing "all" means every platform. */
function platformsOf(query: unknown): DevicePlatform[] | undefined {
  const raw = (query as Record<string, unknown> | undefined)?.platform;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > 100) throw bad('platform must be a comma-separated list of platforms');
  const out = new Set<DevicePlatform>();
  for (const p of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (p === 'all') return undefined;
    if (!(DEVICE_PLATFORMS as readonly string[]).includes(p)) {
      throw bad(`platform must be all or among ${DEVICE_PLATFORMS.join(', ')}`);
    }
    out.add(p as DevicePlatform);
  }
  return out.size > 0 ? [...out] : undefined;
}

/** Decoded, non-empty path segments (doubled and trailing slashes collapse). */
function pathSegments(url: string): string[] {
  const path = url.split('?')[0]!;
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw bad('the path is not valid percent-encoded UTF-8');
  }
}

/** Matches literal and `:name` segments; more literal matches score higher. */
function matchSegments(pattern: string[], segments: string[]): { params: Params; score: number } | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Params = {};
  let score = 0;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p === s) score++;
    else return undefined;
  }
  return { params, score };
}

// Times are UTC, like every other day boundary of the server.
function dateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function date(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
