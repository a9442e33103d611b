import type { JsonSchema, Operation } from './openapi-types.js';

/** OpenAPI descriptions of the web console and its admin API (served by src/console/). */

const str = { type: 'string' };
const int = { type: 'integer' };
const obj = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length > 0 && { required }),
});
const ok = (description: string, schema?: JsonSchema) => ({
  '200': schema ? { description, schema } : { description },
  '401': { description: 'not signed in (9001) or a wrong password (9005)' },
  '403': { description: 'no X-CSRF-Token (9002), or the role or app list does not allow it (9003)' },
});
const SESSION = 'the console session cookie (POST /console/api/login); changes also need the X-CSRF-Token header the sign-in answered';
const TAG = 'Console';
const op = (method: Operation['method'], url: string, summary: string, extra: Partial<Operation> = {}): Operation => ({
  method,
  url,
  tag: TAG,
  summary,
  auth: false,
  authNote: SESSION,
  responses: ok(summary),
  ...extra,
});
const page = [
  { name: 'before', description: 'the last id of the previous page', schema: str },
  { name: 'limit', description: 'rows per page', schema: { type: 'integer', minimum: 1, maximum: 500 } },
];
const operator = obj({ name: str, role: { enum: ['viewer', 'operator', 'admin'] }, apps: { oneOf: [{ const: '*' }, { type: 'array', items: str }] }, created_at: int, disabled: { type: 'boolean' } });
const app = '/console/api/apps/:app_key';

export const CONSOLE_OPERATIONS: Operation[] = [
  op('GET', '/console', 'The web console (an HTML page; sign in there)', { authNote: undefined, responses: { '200': { description: 'the page' } } }),
  op('GET', '/console/assets/:name', 'The console\'s bundled script and styles', { authNote: undefined, responses: { '200': { description: 'app.js or app.css' }, '404': { description: 'no such asset' } } }),
  op('POST', '/console/api/login', 'Sign in: sets the session cookie, answers the anti-CSRF token', {
    authNote: undefined,
    body: obj({ name: str, password: str }, ['name', 'password']),
    responses: { ...ok('signed in', obj({ operator, csrf: str })), '429': { description: 'too many failed sign-ins (9004), with Retry-After' } },
  }),
  op('POST', '/console/api/logout', 'Sign out'),
  op('GET', '/console/api/session', 'The signed-in operator and the anti-CSRF token', { responses: ok('the session', obj({ operator, csrf: str })) }),
  op('POST', '/console/api/password', 'Change one\'s own password (ends every session of the operator)', { body: obj({ current: str, password: str }, ['current', 'password']) }),
  op('GET', '/console/api/operators', 'Operators (admin)', { responses: ok('the operators', obj({ operators: { type: 'array', items: operator } })) }),
  op('POST', '/console/api/operators', 'Create an operator (admin)', { body: obj({ name: str, password: str, role: str, apps: {} }, ['name', 'password', 'role']), responses: ok('the operator', operator) }),
  op('PUT', '/console/api/operators/:name', 'Change an operator\'s role, apps, or disable it (admin)', { body: obj({ role: str, apps: {}, disabled: { type: 'boolean' } }), responses: ok('the operator', operator) }),
  op('GET', '/console/api/audit', 'The audit log, newest first: who did what, when', {
    query: [...page, { name: 'operator', description: 'only this operator', schema: str }, { name: 'app', description: 'only this app', schema: str }, { name: 'action', description: 'only this action', schema: str }],
  }),
  op('GET', '/console/api/metrics', 'This node\'s connections and running totals, for the live graphs'),
  op('GET', '/console/api/apps', 'The apps the operator may see'),
  op('POST', '/console/api/apps', 'Create an app (admin); answers its master secret once', { body: obj({ name: str }, ['name']) }),
  op('GET', app, 'One app: limits, callback URLs, vendor credentials (never their keys), EMAS AccessKeys'),
  op('POST', `${app}/secret`, 'Issue a new master secret (admin)'),
  op('PUT', `${app}/limits`, 'Set the app\'s limits; null: the server default (admin)', { body: obj({ rate_limit: {}, rate_window: {}, broadcasts_per_day: {} }) }),
  op('POST', `${app}/callbacks`, 'Register a receipt callback URL (admin)', { body: obj({ url: str, default: { type: 'boolean' }, types: int }, ['url']) }),
  op('DELETE', `${app}/callbacks`, 'Remove a receipt callback URL (admin)', { query: [{ name: 'url', description: 'the URL', required: true, schema: str }] }),
  op('PUT', `${app}/channels/:channel`, 'Store the app\'s credentials for a vendor channel, as `borealis app channel` takes them (admin)', { body: { type: 'object' } }),
  op('DELETE', `${app}/channels/:channel`, 'Remove the app\'s credentials for a vendor channel (admin)'),
  op('POST', `${app}/accesskeys`, 'Create an EMAS AccessKey pair; answers the secret once (admin)'),
  op('DELETE', `${app}/accesskeys/:id`, 'Disable an EMAS AccessKey (admin)'),
  op('GET', `${app}/ums-channels`, 'The UMS channels that send to the app: settings and which messaging credentials are stored (never their values)'),
  op('POST', `${app}/ums-channels`, 'Create a UMS channel for the app, as `borealis ums channel create`; answers the ChannelKey and master secret once (admin)', {
    body: obj({ name: str, owner_required: { type: 'boolean' }, broadcasts_per_day: { type: ['integer', 'null'] } }, ['name']),
  }),
  op('POST', `${app}/ums-channels/:channel_key/secret`, 'Issue a new master secret for a UMS channel; answers it once (admin)'),
  op('PUT', `${app}/ums-channels/:channel_key`, 'Open or close a UMS channel for sending (operator)', { body: obj({ enabled: { type: 'boolean' } }, ['enabled']) }),
  op('PUT', `${app}/ums-channels/:channel_key/settings`, 'A UMS channel\'s sensitive words, do-not-disturb hours and VIP features, as `borealis ums channel settings` (operator)', {
    body: obj({ sensitive_words: { type: 'array', items: str }, quiet_hours: { type: ['string', 'null'] }, vip: { type: 'boolean' } }),
  }),
  op('PUT', `${app}/ums-channels/:channel_key/credentials/:kind`, 'Store a UMS channel\'s credentials for sms, email or an IM channel, as `borealis ums credentials --file` takes them (admin)', { body: { type: 'object' } }),
  op('DELETE', `${app}/ums-channels/:channel_key/credentials/:kind`, 'Remove a UMS channel\'s credentials for one messaging channel (admin)'),
  op('POST', `${app}/push/check`, 'Check a push as /v3/push/validate does; its audience size and what each platform and vendor would receive', {
    body: obj({ push: { $ref: '#/components/schemas/Push' } }, ['push']),
    responses: ok('ok, or the error /v3/push/validate would give', obj({ ok: { type: 'boolean' }, audience: int, error: obj({ code: int, message: str }), preview: { type: 'object' } })),
  }),
  op('POST', `${app}/push`, 'Send a push now, or schedule it with `schedule` (operator)', {
    body: obj({ push: { $ref: '#/components/schemas/Push' }, schedule: obj({ name: str, time: str }) }, ['push']),
  }),
  op('GET', `${app}/pushes`, 'Push history, newest first, searched and paged by the server', { query: [...page, { name: 'q', description: 'a msg_id, or text the push contains', schema: str }] }),
  op('GET', `${app}/pushes/:msg_id`, 'One push with its funnel (targeted, sent, received, clicked) per platform and channel'),
  op('DELETE', `${app}/pushes/:msg_id`, 'Revoke a push (operator)'),
  op('GET', `${app}/devices`, 'Look devices up by registration id, alias or user account', { query: [{ name: 'q', description: 'what to look up', schema: str }] }),
  op('GET', `${app}/devices/:rid`, 'One device and the trace of recent pushes on it', { query: [{ name: 'msg_id', description: 'only this push', schema: str }, page[1]!] }),
  op('GET', `${app}/schedules`, 'The app\'s schedules', { query: [{ name: 'offset', description: 'rows to skip', schema: int }, page[1]!] }),
  op('DELETE', `${app}/schedules/:id`, 'Delete a schedule (operator)'),
  op('GET', `${app}/segments`, 'Segments with their current size'),
  op('POST', `${app}/segments`, 'Save a segment (operator)', { body: { type: 'object' } }),
  op('DELETE', `${app}/segments/:id`, 'Delete a segment (operator)'),
];
