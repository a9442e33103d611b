/**
 * What the fuzz tests throw requests at, shared with the coverage check
 * (test/e2e/fuzz-coverage.test.ts): every route the server registers must be reached by one of
 * these. A new route gets a template here (or a path in PUSH_FUZZ_PATHS for push objects).
 */

/** Endpoints that take a push object: fuzz.test.ts mutates push objects against these. */
export const PUSH_FUZZ_PATHS = ['/v3/push', '/v3/push/validate'] as const;

/** Path segments and query values that break naive parsers. */
export const NASTY_SEGMENTS = ['', 'x', '%00', '%E4%B8', '..', '%2e%2e', 'a'.repeat(300), '深圳', '1', '-1', '99999999999999999999999', '%20', 'null', '{}', '%F0%9F%98%80'];

export type FuzzTemplate = [method: string, path: () => string];

/**
 * Request templates for every API besides the push objects. `rid` is a real registration id
 * of the app, so some requests get past the id checks.
 */
export function apiFuzzTemplates(rnd: () => number, rid: string): FuzzTemplate[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const seg = () => (rnd() < 0.3 ? rid : pick(NASTY_SEGMENTS));
  const nasty = () => pick(NASTY_SEGMENTS);
  return [
    ['GET', () => `/v3/devices/${seg()}`],
    ['POST', () => `/v3/devices/${seg()}`],
    ['POST', () => '/v3/devices/status'],
    ['GET', () => `/v3/tags?platform=${nasty()}`],
    ['GET', () => `/v3/tags/${seg()}/registration_ids/${seg()}`],
    ['POST', () => `/v3/tags/${seg()}`],
    ['DELETE', () => `/v3/tags/${seg()}?platform=${nasty()}`],
    ['GET', () => `/v3/aliases/${seg()}?new_format=${nasty()}`],
    ['POST', () => `/v3/aliases/${seg()}`],
    ['DELETE', () => `/v3/aliases/${seg()}`],
    ['GET', () => `/v3/received?msg_ids=${nasty()},${nasty()}`],
    ['GET', () => `/v3/received/detail?msg_ids=${nasty()}`],
    ['GET', () => `/v3/messages?msg_ids=${nasty()}`],
    ['GET', () => `/v3/messages/detail?msg_ids=${nasty()}`],
    ['POST', () => '/v3/status/message'],
    ['GET', () => `/v3/status/message/${seg()}/${seg()}`],
    ['GET', () => `/v3/push/cid?count=${nasty()}&type=${nasty()}`],
    ['DELETE', () => `/v3/push/${seg()}`],
    [pick(['GET', 'PUT', 'DELETE', 'OPTIONS']), () => pick(PUSH_FUZZ_PATHS)],
    ['POST', () => '/v1/devices/register'],
    ['POST', () => '/v1/devices/live-activity'],
    ['GET', () => `/v1/webpush/vapid?app_key=${nasty()}`],
    ['GET', () => '/v3/push/quota'],
    ['POST', () => `/v1/vendors/${pick(['xiaomi', 'huawei', 'hmos', 'fcm', nasty()])}/receipts/${seg()}`],
    // schedules, files, group and batch push (fuzz-advanced.test.ts goes deeper into their bodies)
    ['POST', () => '/v3/schedules'],
    ['GET', () => `/v3/schedules?page=${nasty()}`],
    ['GET', () => `/v3/schedules/${nasty()}`],
    ['PUT', () => `/v3/schedules/${nasty()}`],
    ['DELETE', () => `/v3/schedules/${nasty()}`],
    ['GET', () => `/v3/schedules/${nasty()}/msg_ids`],
    ['POST', () => `/v3/files/${pick(['registration_id', 'alias', nasty()])}`],
    ['GET', () => '/v3/files'],
    ['GET', () => `/v3/files/${nasty()}`],
    ['DELETE', () => `/v3/files/${nasty()}`],
    ['POST', () => '/v3/push/file'],
    ['POST', () => pick(['/v3/grouppush', '/v3/grouppush/file'])],
    ['POST', () => pick(['/v3/push/batch/regid/single', '/v3/push/batch/alias/single'])],
    // CORS preflights of the device-facing routes (served by one catch-all OPTIONS route)
    ['OPTIONS', () => pick(['/v1/devices/register', `/v1/${nasty()}`, `/${nasty()}`])],
    // the EMAS OpenAPI's RPC root (fuzz-emas.test.ts sends it signed parameter sets as well)
    [pick(['GET', 'POST', 'PUT', 'DELETE']), () => `/?Format=JSON&Action=${pick(['Push', 'ListTags', nasty()])}&Version=${nasty()}&${nasty()}=${nasty()}`],
    // segments, A/B tests and the users report (bodies come from fuzz-segments.test.ts)
    ['POST', () => '/v3/segments'],
    ['GET', () => `/v3/segments?${nasty()}`],
    [pick(['GET', 'PUT', 'DELETE']), () => `/v3/segments/${pick(['0123456789abcdef', 'x', '%00', '1'])}`],
    ['POST', () => '/v3/abtests'],
    ['GET', () => `/v3/abtests?${nasty()}`],
    [pick(['GET', 'DELETE']), () => `/v3/abtests/${pick(['0123456789abcdef', 'x', '%00', '1'])}`],
    ['GET', () => `/v3/users?time_unit=${pick(['DAY', 'HOUR', nasty()])}&start=${nasty()}&duration=${nasty()}`],
    // the UMS v1 API (its own auth and {"code","message"} answers)
    ['POST', () => pick(['/v1/sent', '/v1/broadcast', '/v1/user/delete', '/v1/material', '/v1/rules'])],
    ['POST', () => pick(['/v1/template/sent', '/v1/template/broadcast', '/v1/templates'])],
    ['GET', () => `/v1/trace/${nasty()}?userid=${nasty()}`],
    ['GET', () => `/v1/templates?${nasty()}`],
    [pick(['PUT', 'DELETE']), () => `/v1/templates/${nasty()}`],
    ['POST', () => `/v1/user/opt${rnd() < 0.5 ? '' : `?${nasty()}`}`],
    ['POST', () => `/v1/retract/${nasty()}`],
    ['GET', () => `/v1/token?type=${pick(['wechatoa', 'dingtalkcc', nasty()])}`],
    ['GET', () => `/v1/rules?${nasty()}`],
    [pick(['PUT', 'DELETE']), () => `/v1/rules/${nasty()}`],
    ['GET', () => `/healthz?${nasty()}`],
    ['GET', () => `/readyz?${nasty()}`],
    ['GET', () => `/metrics?${nasty()}`],
    ['GET', () => `/openapi.json?${nasty()}`],
    ['GET', () => `/docs?${nasty()}`],
    // the web console (without a session: console-api.test.ts fuzzes them signed in)
    ...consoleFuzzTemplates(rnd, 'x'),
  ];
}

/** Every route of the web console and its admin API; `appKey` a real app's key, to get past the app checks. */
export function consoleFuzzTemplates(rnd: () => number, appKey: string): FuzzTemplate[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const nasty = () => pick(NASTY_SEGMENTS);
  const app = () => `/console/api/apps/${rnd() < 0.7 ? appKey : nasty()}`;
  return [
    ['GET', () => `/console?${nasty()}`],
    ['GET', () => `/console/assets/${pick(['app.js', 'app.css', nasty()])}`],
    ['POST', () => '/console/api/login'],
    ['POST', () => pick(['/console/api/logout', '/console/api/password'])],
    ['GET', () => `/console/api/session?${nasty()}`],
    ['GET', () => '/console/api/operators'],
    ['POST', () => '/console/api/operators'],
    ['PUT', () => `/console/api/operators/${nasty()}`],
    ['GET', () => `/console/api/audit?before=${nasty()}&limit=${nasty()}&operator=${nasty()}&app=${nasty()}`],
    ['GET', () => '/console/api/metrics'],
    ['GET', () => '/console/api/apps'],
    ['POST', () => '/console/api/apps'],
    ['GET', () => app()],
    ['POST', () => `${app()}/secret`],
    ['PUT', () => `${app()}/limits`],
    ['POST', () => `${app()}/callbacks`],
    ['DELETE', () => `${app()}/callbacks?url=${nasty()}`],
    [pick(['PUT', 'DELETE']), () => `${app()}/channels/${pick(['apns', 'fcm', nasty()])}`],
    ['POST', () => `${app()}/accesskeys`],
    ['DELETE', () => `${app()}/accesskeys/${nasty()}`],
    ['GET', () => `${app()}/ums-channels`],
    ['POST', () => `${app()}/ums-channels`],
    ['POST', () => `${app()}/ums-channels/${nasty()}/secret`],
    ['PUT', () => `${app()}/ums-channels/${nasty()}${pick(['', '/settings'])}`],
    ['PUT', () => `${app()}/ums-channels/${nasty()}/credentials/${pick(['sms', 'email', nasty()])}`],
    ['DELETE', () => `${app()}/ums-channels/${nasty()}/credentials/${pick(['sms', 'email', nasty()])}`],
    ['POST', () => `${app()}/push/check`],
    ['POST', () => `${app()}/push`],
    ['GET', () => `${app()}/pushes?q=${nasty()}&before=${nasty()}&limit=${nasty()}`],
    [pick(['GET', 'DELETE']), () => `${app()}/pushes/${nasty()}`],
    ['GET', () => `${app()}/devices?q=${nasty()}`],
    ['GET', () => `${app()}/devices/${nasty()}?msg_id=${nasty()}&limit=${nasty()}`],
    ['GET', () => `${app()}/schedules?offset=${nasty()}&limit=${nasty()}`],
    ['DELETE', () => `${app()}/schedules/${nasty()}`],
    ['GET', () => `${app()}/segments`],
    ['POST', () => `${app()}/segments`],
    ['DELETE', () => `${app()}/segments/${nasty()}`],
  ];
}
