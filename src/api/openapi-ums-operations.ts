/** The UMS v1 routes in the OpenAPI document (see openapi-operations.ts). */
import type { JsonSchema, Operation } from './openapi-types.js';

const str = { type: 'string' };
const umsAnswer = (extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  properties: { code: { type: 'integer', description: '0, or a UMS code (4004, 4005, 1015xxx)' }, message: str, ...extra },
  required: ['code'],
});
const ok = (description: string, extra?: Record<string, JsonSchema>) => ({
  '200': { description, schema: umsAnswer(extra) },
  '400': { description: 'refused: 4004 or 1015xxx', schema: umsAnswer() },
  '401': { description: '4005: authentication failed', schema: umsAnswer() },
});
const CHANNEL = 'UMS channel: Basic ChannelKey:MasterSecret (borealis ums channel create)';
const ACCESS = 'UMS AccessKey: Basic AccessKey:Secret (borealis ums accesskey create)';
const sendBody: JsonSchema = {
  type: 'object',
  description: 'aud_tag | aud_userid | aud_segment | aud_<channel> raw ids; msg_<channel> (app, sms, email, wechatoa, wechatmp, alipay_life, dingtalk_cc, wechatwk); rule_id; option; callback',
  additionalProperties: true,
};
const userResult = { data: { type: 'object', properties: { success: { type: 'array', items: str }, fail: { type: 'array', items: { type: 'object' } } } } };
const policyBody: JsonSchema = {
  type: 'object',
  properties: {
    name: str,
    enabled: { type: 'boolean' },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          channel: str,
          delay: { type: 'integer', description: 'seconds after the message' },
          condition: { enum: ['always', 'not_delivered', 'not_clicked', 'submit_failed'] },
        },
      },
    },
  },
};

const templateSendBody: JsonSchema = {
  type: 'object',
  description: 'aud_xxx, rule_id, option and callback as /v1/sent; the message comes from the template (msg_xxx: 1015094)',
  properties: {
    template_id: { type: 'integer', description: 'a general template (1015031 unknown, 1015032 not general, 1015073 disabled)' },
    template_para: { type: 'object', description: 'values of the template\'s {{name}} placeholders' },
    app_para: {
      type: 'object',
      properties: { platform: {}, time_to_live: { type: 'integer', description: 'seconds, at most 10 days' }, apns_production: { type: 'boolean' } },
    },
  },
  required: ['template_id'],
  additionalProperties: true,
};
const templateBody: JsonSchema = {
  type: 'object',
  properties: {
    name: str,
    general: { type: 'boolean', description: 'only general templates may be sent by id (default true)' },
    enabled: { type: 'boolean' },
    content: { type: 'object', description: 'msg_<channel>: [message object] with {{name}} placeholders', additionalProperties: true },
  },
};

export const UMS_OPERATIONS: Operation[] = [
  {
    method: 'POST',
    url: '/v1/sent',
    tag: 'UMS',
    summary: 'Send one message to users or raw channel ids over several channels',
    description: 'Resolves the audience to users and their bound addresses, stores the message with one job per policy step and user, answers its msgid.',
    auth: false,
    authNote: CHANNEL,
    body: sendBody,
    responses: ok('accepted', { msgid: str, sendno: str }),
  },
  {
    method: 'POST',
    url: '/v1/broadcast',
    tag: 'UMS',
    summary: 'Send one message to every user (daily quota: 1015029)',
    auth: false,
    authNote: CHANNEL,
    body: sendBody,
    responses: ok('accepted', { msgid: str, sendno: str }),
  },
  {
    method: 'POST',
    url: '/v1/template/sent',
    tag: 'UMS',
    summary: 'Send a general template, filled from template_para, to users or raw channel ids',
    auth: false,
    authNote: CHANNEL,
    body: templateSendBody,
    responses: ok('accepted', { msgid: str, sendno: str }),
  },
  {
    method: 'POST',
    url: '/v1/template/broadcast',
    tag: 'UMS',
    summary: 'Broadcast a general template to every user (daily quota: 1015029)',
    auth: false,
    authNote: CHANNEL,
    body: templateSendBody,
    responses: ok('accepted', { msgid: str, sendno: str }),
  },
  {
    method: 'GET',
    url: '/v1/trace/:msgid',
    tag: 'UMS',
    summary: "A message's trace: which policy step went to which user over which channel, and its outcome",
    auth: false,
    authNote: CHANNEL,
    query: [{ name: 'userid', description: 'one user id (or raw address) only', required: false, schema: str }],
    responses: ok('the trace', { data: { type: 'object', properties: { msgid: str, ruleId: { type: 'integer' }, retracted: { type: 'boolean' }, jobs: { type: 'array' } } } }),
  },
  {
    method: 'POST',
    url: '/v1/retract/:msgid',
    tag: 'UMS',
    summary: 'Retract a message of the last 24 hours',
    description: 'Steps not yet run stop; its pushes are withdrawn; SMS and email already handed over cannot be.',
    auth: false,
    authNote: CHANNEL,
    responses: ok('retracted'),
  },
  {
    method: 'POST',
    url: '/v1/user/opt',
    tag: 'UMS',
    summary: 'Add or change users: tags and per-channel addresses (add / set / del per bind id)',
    auth: false,
    authNote: `${ACCESS}; or a channel, under its own bind ids only`,
    body: { type: 'array', items: { type: 'object' } },
    responses: ok('per-user results', userResult),
  },
  {
    method: 'POST',
    url: '/v1/user/delete',
    tag: 'UMS',
    summary: 'Delete users and all their bindings',
    auth: false,
    authNote: ACCESS,
    body: { type: 'array', items: str },
    responses: ok('per-user results', userResult),
  },
  {
    method: 'GET',
    url: '/v1/token',
    tag: 'UMS',
    summary: "A messaging channel's current access token (wechatoa, wechatmp, dingtalkcc, wechatwk)",
    auth: false,
    authNote: CHANNEL,
    query: [{ name: 'type', description: 'wechatoa | wechatmp | dingtalkcc | wechatwk', required: true, schema: str }],
    responses: ok('the token', { token: str, expires_in: { type: 'integer' } }),
  },
  {
    method: 'POST',
    url: '/v1/material',
    tag: 'UMS',
    summary: 'Upload an email attachment (multipart: type=attachment, file, time_to_live hours 1..168)',
    auth: false,
    authNote: CHANNEL,
    bodyType: 'multipart/form-data',
    body: { type: 'object', properties: { type: str, file: { type: 'string', format: 'binary' }, time_to_live: str } },
    responses: ok('stored; the URL is usable in msg_email.files', { url: str }),
  },
  { method: 'GET', url: '/v1/rules', tag: 'UMS', summary: 'List send policies', auth: false, authNote: ACCESS, responses: ok('the policies', { data: { type: 'array' } }) },
  { method: 'POST', url: '/v1/rules', tag: 'UMS', summary: 'Create a send policy (rule_id)', auth: false, authNote: ACCESS, body: policyBody, responses: ok('created', { data: { type: 'object' } }) },
  { method: 'PUT', url: '/v1/rules/:rule_id', tag: 'UMS', summary: 'Change, enable or disable a send policy', auth: false, authNote: ACCESS, body: policyBody, responses: ok('changed', { data: { type: 'object' } }) },
  { method: 'DELETE', url: '/v1/rules/:rule_id', tag: 'UMS', summary: 'Delete a send policy', auth: false, authNote: ACCESS, responses: ok('deleted') },
  { method: 'GET', url: '/v1/templates', tag: 'UMS', summary: 'List message templates', auth: false, authNote: ACCESS, responses: ok('the templates', { data: { type: 'array' } }) },
  { method: 'POST', url: '/v1/templates', tag: 'UMS', summary: 'Create a message template', auth: false, authNote: ACCESS, body: templateBody, responses: ok('created', { data: { type: 'object' } }) },
  { method: 'PUT', url: '/v1/templates/:template_id', tag: 'UMS', summary: 'Change, enable or disable a message template', auth: false, authNote: ACCESS, body: templateBody, responses: ok('changed', { data: { type: 'object' } }) },
  { method: 'DELETE', url: '/v1/templates/:template_id', tag: 'UMS', summary: 'Delete a message template', auth: false, authNote: ACCESS, responses: ok('deleted') },
];
