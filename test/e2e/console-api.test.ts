import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { consoleFuzzTemplates } from '../helpers/fuzz-targets.js';
import { mulberry32 } from '../helpers/prng.js';
import { runCli, startServe } from '../helpers/cli.js';
import { addOperator, PASSWORD } from '../helpers/console.js';
import { authenticate } from '../../src/ums/secrets.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A browser's view of the admin API: a cookie jar and the anti-CSRF token. */
class Session {
  cookie = '';
  csrf = '';
  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.base}/console/api${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> & { error?: { code: number; message: string } } };
  }

  async signIn(name: string, password = PASSWORD) {
    const r = await this.call('POST', '/login', { name, password });
    if (r.status === 200) this.csrf = r.body.csrf as string;
    return r;
  }
}

describe('the console admin API', () => {
  let server: TestServer;
  let other: { appKey: string };
  const as = async (name: string) => {
    const s = new Session(server.url);
    const r = await s.signIn(name);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return s;
  };

  before(async () => {
    server = await startTestServer();
    other = await server.createApp('other');
    const store = server.node.ctx.store;
    await addOperator(store, 'root', 'admin');
    await addOperator(store, 'olga', 'operator', [server.app.appKey]);
    await addOperator(store, 'vic', 'viewer');
    await addOperator(store, 'fuzzer', 'admin');
  });
  after(() => server.close());

  test('the session cookie is HttpOnly, SameSite=Strict and scoped to /console; the answer has the CSRF token', async () => {
    const s = new Session(server.url);
    const res = await fetch(`${server.url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'root', password: PASSWORD }) });
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^borealis_console=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    assert.equal((await s.call('GET', '/session')).body.error?.code, 9001, 'no cookie, no session');
  });

  test('changes need the X-CSRF-Token header of the session; reads do not', async () => {
    const s = await as('root');
    const token = s.csrf;
    s.csrf = '';
    const missing = await s.call('POST', '/apps', { name: 'x' });
    assert.deepEqual([missing.status, missing.body.error?.code], [403, 9002]);
    const wrong = await s.call('POST', '/apps', { name: 'x' }, { 'x-csrf-token': token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    assert.deepEqual([wrong.status, wrong.body.error?.code], [403, 9002]);
    assert.equal((await s.call('GET', '/apps')).status, 200);
    s.csrf = token;
    assert.equal((await s.call('POST', '/apps', { name: 'x' })).status, 200);
  });

  test('roles: a viewer reads but cannot send or administer', async () => {
    const vic = await as('vic');
    assert.equal((await vic.call('GET', `/apps/${server.app.appKey}/pushes`)).status, 200);
    const push = { platform: 'all', audience: 'all', notification: { alert: 'x' } };
    const check = await vic.call('POST', `/apps/${server.app.appKey}/push/check`, { push });
    assert.equal(check.body.ok, true);
    assert.equal(check.body.audience, 2);
    const send = await vic.call('POST', `/apps/${server.app.appKey}/push`, { push });
    assert.deepEqual([send.status, send.body.error?.code], [403, 9003]);
    assert.equal((await vic.call('GET', '/operators')).body.error?.code, 9003);
    assert.equal((await vic.call('POST', `/apps/${server.app.appKey}/secret`)).body.error?.code, 9003);
  });

  test('per-app access: an operator of one app sees and acts on that app only', async () => {
    const olga = await as('olga');
    const apps = (await olga.call('GET', '/apps')).body.apps as { app_key: string }[];
    assert.deepEqual(apps.map((a) => a.app_key), [server.app.appKey]);
    const push = { platform: 'all', audience: { alias: ['someone'] }, notification: { alert: 'hi' } };
    const sent = await olga.call('POST', `/apps/${server.app.appKey}/push`, { push });
    assert.match(String(sent.body.msg_id), /^\d+$/);
    const elsewhere = await olga.call('POST', `/apps/${other.appKey}/push`, { push });
    assert.deepEqual([elsewhere.status, elsewhere.body.error?.code], [403, 9003]);
    assert.equal((await olga.call('GET', `/apps/${other.appKey}/pushes`)).status, 403);
    // the audit log: her own actions, not the other operators'
    const audit = (await olga.call('GET', '/audit')).body.entries as { operator: string; action: string; target: string }[];
    assert.ok(audit.every((e) => e.operator === 'olga'));
    assert.ok(audit.some((e) => e.action === 'push.send' && e.target === sent.body.msg_id));
  });

  test('a bad push comes back with the Push API\'s code; no target: 1011 with audience 0', async () => {
    const s = await as('root');
    const bad = await s.call('POST', `/apps/${server.app.appKey}/push/check`, { push: { platform: 'all' } });
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.error?.code, 1002);
    const none = await s.call('POST', `/apps/${server.app.appKey}/push/check`, { push: { platform: 'all', audience: { tag: ['nobody'] }, notification: { alert: 'x' } } });
    assert.deepEqual([none.body.ok, none.body.audience, none.body.error?.code], [false, 0, 1011]);
    const preview = (none.body.preview as { platforms: Record<string, unknown>; vendors: Record<string, unknown> }) ?? { platforms: {}, vendors: {} };
    assert.ok('android' in preview.platforms && 'apns' in preview.vendors, JSON.stringify(preview));
    const sent = await s.call('POST', `/apps/${server.app.appKey}/push`, { push: { platform: 'all' } });
    assert.deepEqual([sent.status, sent.body.error?.code], [400, 1002]);
  });

  test('history pages by msg_id and searches text; the detail has the funnel; revoke is audited', async () => {
    const s = await as('root');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await s.call('POST', `/apps/${server.app.appKey}/push`, { push: { platform: 'all', audience: 'all', notification: { alert: `page ${i} 深圳%_` } } });
      ids.push(r.body.msg_id as string);
    }
    const first = await s.call('GET', `/apps/${server.app.appKey}/pushes?limit=2&q=page`);
    assert.equal(first.body.total, 5);
    assert.deepEqual((first.body.pushes as { msg_id: string }[]).map((p) => p.msg_id), [ids[4], ids[3]]);
    const second = await s.call('GET', `/apps/${server.app.appKey}/pushes?limit=2&q=page&before=${first.body.next}`);
    assert.deepEqual((second.body.pushes as { msg_id: string }[]).map((p) => p.msg_id), [ids[2], ids[1]]);
    // the wildcards of LIKE are plain text
    assert.equal((await s.call('GET', `/apps/${server.app.appKey}/pushes?q=${encodeURIComponent('%_')}`)).body.total, 5);
    assert.equal((await s.call('GET', `/apps/${server.app.appKey}/pushes?q=${encodeURIComponent('_%')}`)).body.total, 0);
    const one = await s.call('GET', `/apps/${server.app.appKey}/pushes?q=${ids[2]}`);
    assert.deepEqual((one.body.pushes as { msg_id: string }[]).map((p) => p.msg_id), [ids[2]]);
    const detail = await s.call('GET', `/apps/${server.app.appKey}/pushes/${ids[0]}`);
    assert.equal((detail.body.funnel as { total: { target: number } }).total.target, 2);
    assert.equal((await s.call('DELETE', `/apps/${server.app.appKey}/pushes/${ids[0]}`)).status, 200);
    assert.equal((await s.call('GET', `/apps/${server.app.appKey}/pushes/${ids[0]}`)).body.state, 'revoked');
    // another app's msg_id is not found here
    assert.equal((await s.call('GET', `/apps/${other.appKey}/pushes/${ids[1]}`)).status, 404);
    const audit = (await s.call('GET', '/audit?action=push.revoke')).body.entries as { operator: string; target: string; app_key: string }[];
    assert.deepEqual(audit.map((e) => [e.operator, e.target, e.app_key]), [['root', ids[0], server.app.appKey]]);
  });

  test('an app\'s page lists its callback URLs, EMAS AccessKeys and the UMS channels that send to it', async () => {
    const s = await as('root');
    const base = `/apps/${server.app.appKey}`;
    assert.equal((await s.call('POST', `${base}/callbacks`, { url: 'https://example.com/cb', default: true })).status, 200);
    const key = await s.call('POST', `${base}/accesskeys`);
    const bad = await s.call('PUT', `${base}/channels/xiaomi`, { package: 'com.example.app' });
    assert.deepEqual([bad.status, bad.body.error?.code], [400, 9006]);
    assert.equal((await s.call('PUT', `${base}/channels/xiaomi`, { appSecret: 'mi-secret-123', package: 'com.example.app' })).status, 200);
    assert.match(String(key.body.access_key_id), /^LTAI[A-Za-z0-9]{20}$/);
    await server.node.ctx.store.ums.putChannel({ channelKey: 'c'.repeat(24), name: 'crm', secretHash: Buffer.alloc(32), secretSealed: Buffer.alloc(32), appKey: server.app.appKey, enabled: true, ownerRequired: false, broadcastPerDay: null, createdAt: 1 });
    const app = (await s.call('GET', base)).body as { channels: Record<string, { fields: Record<string, string> }>; callbacks: { url: string; default: boolean }[]; emas: { access_keys: { id: string }[] }; ums_channels: { name: string }[] | null };
    assert.deepEqual(app.callbacks.map((c) => [c.url, c.default]), [['https://example.com/cb', true]]);
    assert.ok(app.channels.xiaomi, JSON.stringify(app.channels));
    assert.doesNotMatch(JSON.stringify(app.channels), /mi-secret-123/);
    assert.deepEqual(app.emas.access_keys.map((k) => k.id), [key.body.access_key_id]);
    assert.deepEqual(app.ums_channels?.map((c) => c.name), ['crm']);
    // a secret never comes back, and the audit log has the actions without it
    const audit = JSON.stringify((await s.call('GET', '/audit?app=' + server.app.appKey)).body);
    assert.doesNotMatch(audit, new RegExp(`${key.body.access_key_secret}|mi-secret-123`));
    assert.match(audit, /app\.accesskey\.create/);
  });

  test('UMS channels of an app: created with the secret once, rotated, opened and closed, settings and credentials, by role', async () => {
    const root = await as('root');
    const olga = await as('olga');
    const vic = await as('vic');
    const base = `/apps/${server.app.appKey}/ums-channels`;
    const made = await root.call('POST', base, { name: '营销 crm', owner_required: true, broadcasts_per_day: 3 });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const key = made.body.channel_key as string;
    const first = made.body.master_secret as string;
    assert.match(key, /^[0-9a-f]{24}$/);
    assert.match(first, /^[0-9a-f]{24}$/);
    const basic = (secret: string) => 'Basic ' + Buffer.from(`${key}:${secret}`).toString('base64');
    const ums = server.node.ctx.store.ums;
    assert.equal((await authenticate(ums, basic(first)))?.kind, 'channel', 'the answered secret authenticates UMS sends');

    // roles: only admins create, rotate and store credentials; operators open, close and set; viewers read
    const listed = await vic.call('GET', base);
    assert.equal(listed.status, 200);
    const mine = (listed.body.channels as { channel_key: string; name: string; enabled: boolean; owner_required: boolean; broadcasts_per_day: number; credentials: string[] }[]).find((c) => c.channel_key === key);
    assert.deepEqual([mine?.name, mine?.enabled, mine?.owner_required, mine?.broadcasts_per_day, mine?.credentials], ['营销 crm', true, true, 3, []]);
    assert.ok((listed.body.messaging_kinds as string[]).includes('sms'));
    assert.equal((await vic.call('PUT', `${base}/${key}`, { enabled: false })).body.error?.code, 9003);
    assert.equal((await olga.call('POST', base, { name: 'x' })).body.error?.code, 9003);
    assert.equal((await olga.call('POST', `${base}/${key}/secret`)).body.error?.code, 9003);
    assert.equal((await olga.call('PUT', `${base}/${key}/credentials/sms`, { key: 'k', secret: 's' })).body.error?.code, 9003);
    assert.equal((await olga.call('GET', `/apps/${other.appKey}/ums-channels`)).body.error?.code, 9003, 'not her app');

    // CSRF on every change
    const token = olga.csrf;
    olga.csrf = '';
    const noToken = await olga.call('PUT', `${base}/${key}`, { enabled: false });
    assert.deepEqual([noToken.status, noToken.body.error?.code], [403, 9002]);
    assert.equal((await olga.call('PUT', `${base}/${key}/settings`, { vip: false })).body.error?.code, 9002);
    olga.csrf = token;

    // an operator closes and opens the channel, and sets its words, quiet hours and VIP
    const closed = await olga.call('PUT', `${base}/${key}`, { enabled: false });
    assert.equal(closed.body.enabled, false);
    assert.equal((await ums.getChannel(key))?.enabled, false);
    assert.equal((await olga.call('PUT', `${base}/${key}`, { enabled: true })).body.enabled, true);
    const set = await olga.call('PUT', `${base}/${key}/settings`, { sensitive_words: ['spam', ' 赌博 ', 'spam'], quiet_hours: '22:00-08:00+08:00', vip: false });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.settings, { sensitive_words: ['spam', '赌博'], quiet_hours: '22:00-08:00+08:00', vip: false });
    assert.deepEqual(await ums.getSettings(key), { sensitiveWords: ['spam', '赌博'], quietHours: { fromMinute: 1320, toMinute: 480, utcOffsetMinutes: 480 }, vip: false });
    const quietOff = await olga.call('PUT', `${base}/${key}/settings`, { quiet_hours: null });
    assert.equal((quietOff.body.settings as { quiet_hours: unknown }).quiet_hours, null);
    assert.deepEqual((await ums.getSettings(key)).sensitiveWords, ['spam', '赌博'], 'absent fields keep their value');

    // the admin rotates the secret: the old one stops working
    const rotated = await root.call('POST', `${base}/${key}/secret`);
    const second = rotated.body.master_secret as string;
    assert.notEqual(second, first);
    assert.equal(await authenticate(ums, basic(first)), undefined);
    assert.equal((await authenticate(ums, basic(second)))?.kind, 'channel');

    // messaging credentials: checked by the channel's own rules, stored sealed, never shown back
    const badCreds = await root.call('PUT', `${base}/${key}/credentials/sms`, { key: 'only-a-key' });
    assert.deepEqual([badCreds.status, badCreds.body.error?.code], [400, 9006]);
    assert.equal((await root.call('PUT', `${base}/${key}/credentials/carrier-pigeon`, {})).body.error?.code, 9007);
    const stored = await root.call('PUT', `${base}/${key}/credentials/sms`, { key: 'sms-key-1', secret: 'sms-secret-XYZZY' });
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    assert.deepEqual(stored.body.credentials, ['sms']);
    assert.ok(await ums.getCredentials(key, 'sms'));
    const shown = JSON.stringify((await root.call('GET', base)).body);
    assert.doesNotMatch(shown, new RegExp(`sms-secret-XYZZY|${first}|${second}`));
    assert.deepEqual((await root.call('DELETE', `${base}/${key}/credentials/sms`)).body.credentials, []);
    assert.equal((await root.call('DELETE', `${base}/${key}/credentials/sms`)).body.error?.code, 9007);

    // another app's channel is not reached through this app's URL
    const elsewhere = await root.call('POST', `/apps/${other.appKey}/ums-channels`, { name: 'other' });
    const foreign = elsewhere.body.channel_key as string;
    for (const [method, path, body] of [
      ['PUT', `${base}/${foreign}`, { enabled: false }],
      ['POST', `${base}/${foreign}/secret`, undefined],
      ['PUT', `${base}/${foreign}/settings`, { vip: false }],
    ] as const) {
      const r = await root.call(method, path, body);
      assert.deepEqual([r.status, r.body.error?.code], [404, 9007], `${method} ${path}`);
    }
    assert.equal((await ums.getChannel(foreign))?.enabled, true);

    // hostile input: the documented 9006 / 9007, never a 5xx
    const hostile: [string, string, unknown][] = [
      ['POST', base, { name: '' }],
      ['POST', base, { name: 'x'.repeat(129) }],
      ['POST', base, { name: 'a\u0000b' }],
      ['POST', base, { name: 'x', owner_required: 'yes' }],
      ['POST', base, { name: 'x', broadcasts_per_day: 1e7 }],
      ['POST', base, { name: 'x', broadcasts_per_day: -1 }],
      ['POST', base, '[]'],
      ['PUT', `${base}/${key}`, { enabled: 'no' }],
      ['PUT', `${base}/${key}/settings`, { sensitive_words: 'spam' }],
      ['PUT', `${base}/${key}/settings`, { sensitive_words: [1] }],
      ['PUT', `${base}/${key}/settings`, { sensitive_words: ['x'.repeat(65)] }],
      ['PUT', `${base}/${key}/settings`, { sensitive_words: Array.from({ length: 1001 }, (_, i) => `w${i}`) }],
      ['PUT', `${base}/${key}/settings`, { quiet_hours: '25:00-08:00' }],
      ['PUT', `${base}/${key}/settings`, { quiet_hours: '08:00-08:00' }],
      ['PUT', `${base}/${key}/settings`, { quiet_hours: 7 }],
      ['PUT', `${base}/${key}/settings`, { vip: 'true' }],
      ['PUT', `${base}/${key}/settings`, { owner: 'x' }],
      ['PUT', `${base}/${key}/credentials/email`, { host: {} }],
      ['PUT', `${base}/${key}/credentials/sms`, 'null'],
      ['PUT', `${base}/${encodeURIComponent("'; DROP TABLE ums_channels; --")}`, { enabled: true }],
      ['PUT', `${base}/${'k'.repeat(65)}/settings`, { vip: true }],
    ];
    for (const [method, path, body] of hostile) {
      const r = await root.call(method, path, body);
      assert.ok(r.status === 400 || r.status === 404, `${method} ${path} ${JSON.stringify(body).slice(0, 80)} -> ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, r.status === 400 ? 9006 : 9007);
    }

    // the audit log has every action, with no secret in it
    const audit = (await root.call('GET', `/audit?app=${server.app.appKey}&limit=200`)).body.entries as { operator: string; action: string; target: string; detail: unknown }[];
    const ours = audit.filter((e) => e.action.startsWith('ums.')).map((e) => [e.operator, e.action]);
    for (const want of [
      ['root', 'ums.channel.create'],
      ['olga', 'ums.channel.disable'],
      ['olga', 'ums.channel.enable'],
      ['olga', 'ums.channel.settings'],
      ['root', 'ums.channel.rotate_secret'],
      ['root', 'ums.credentials.set'],
      ['root', 'ums.credentials.remove'],
    ]) assert.ok(ours.some((e) => e[0] === want[0] && e[1] === want[1]), `${want.join(' ')} in ${JSON.stringify(ours)}`);
    assert.doesNotMatch(JSON.stringify(audit), new RegExp(`sms-secret-XYZZY|${first}|${second}`));
  });

  test('disabling an operator ends their sessions; signing out ends the session', async () => {
    const root = await as('root');
    const vic = await as('vic');
    assert.equal((await root.call('PUT', '/operators/vic', { disabled: true })).status, 200);
    assert.equal((await vic.call('GET', '/session')).body.error?.code, 9001);
    assert.equal((await root.call('PUT', '/operators/vic', { disabled: false })).status, 200);
    assert.equal((await root.call('PUT', '/operators/root', { role: 'viewer' })).status, 409, 'an admin does not demote themselves');
    assert.equal((await root.call('POST', '/logout')).status, 200);
    assert.equal((await root.call('GET', '/session')).body.error?.code, 9001);
  });

  test('signed in, hostile requests to every console route never get a 5xx, and errors are JSON with a code', async () => {
    const s = await as('fuzzer');
    const rnd = mulberry32(14);
    const templates = consoleFuzzTemplates(rnd, server.app.appKey);
    const bodies = ['{', '[]', 'null', '"x"', '{"name":{}}', '{"push":{"platform":"all","audience":"all","notification":{"alert":"x"}},"schedule":{"time":"2099"}}', '{"url":"javascript:1"}', '{"apps":[1]}', '{"role":"god"}', '{"rate_limit":-1}', JSON.stringify({ name: 'x'.repeat(5000) })];
    for (let i = 0; i < 600; i++) {
      const [method, path] = templates[Math.floor(rnd() * templates.length)]!;
      const url = path();
      // the fuzzer must not sign itself out or lock itself out of the other routes
      if (/\/(logout|password)$/.test(url) || url.startsWith('/console/api/operators/')) continue;
      const body = method === 'GET' || method === 'DELETE' ? undefined : bodies[Math.floor(rnd() * bodies.length)];
      const res = await fetch(server.url + url, { method, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body });
      const text = await res.text();
      assert.ok(res.status < 500, `${method} ${url} ${body?.slice(0, 100)} -> ${res.status} ${text.slice(0, 300)}`);
      if (res.status >= 400) assert.equal(typeof (JSON.parse(text) as { error?: { code?: unknown } }).error?.code, 'number', `${method} ${url} -> ${text}`);
    }
  });
});

describe('console sign-in limits', () => {
  test('console.enabled false: neither the page nor the admin API is served', async () => {
    const server = await startTestServer({ console: { enabled: false, sessionHours: 12, loginAttempts: 5, loginWindowSeconds: 900 } });
    try {
      for (const path of ['/console', '/console/api/session', '/console/assets/app.js']) assert.equal((await fetch(server.url + path)).status, 404, path);
    } finally {
      await server.close();
    }
  });

  test('failed sign-ins are limited per name and per address; the right password waits too (429, Retry-After)', async () => {
    const server = await startTestServer({ console: { enabled: true, sessionHours: 12, loginAttempts: 3, loginWindowSeconds: 60 } });
    try {
    await addOperator(server.node.ctx.store, 'locked', 'admin');
    const s = new Session(server.url);
    for (let i = 0; i < 3; i++) assert.equal((await s.signIn('locked', 'wrong password!')).body.error?.code, 9005);
    const limited = await s.signIn('locked');
    assert.deepEqual([limited.status, limited.body.error?.code], [429, 9004]);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // an unknown name answers like a wrong password
    const unknown = await new Session(server.url).call('POST', '/login', { name: 'nobody', password: 'x' }, { 'x-forwarded-for': '1.2.3.4' });
    assert.ok([9005, 9004].includes(unknown.body.error?.code ?? 0));
    } finally {
      await server.close();
    }
  });

});

describe('operators from the command line, and the first start', () => {
  test('admin create / list / password / disable, on the data directory', () => {
    const data = mkdtempSync(join(tmpdir(), 'borealis-admin-'));
    try {
      const created = runCli(['admin', 'create', '--name', 'ops', '--role', 'operator', '--apps', 'k1,k2', '--json', '--data', data]);
      assert.equal(created.status, 0, created.stderr);
      const json = JSON.parse(created.stdout) as { name: string; role: string; apps: string[]; password: string };
      assert.deepEqual([json.name, json.role, json.apps], ['ops', 'operator', ['k1', 'k2']]);
      assert.match(json.password, /^[A-Za-z0-9_-]{24}$/);
      assert.equal(runCli(['admin', 'create', '--name', 'ops', '--data', data]).status, 1, 'the name is taken');
      assert.equal(runCli(['admin', 'create', '--name', 'x', '--password', 'short', '--data', data]).status, 2);
      assert.match(runCli(['admin', 'list', '--data', data]).stdout, /^ops\toperator\tk1,k2$/m);
      assert.match(runCli(['admin', 'password', 'ops', '--data', data]).stdout, /^password: \S{24}$/m);
      assert.equal(runCli(['admin', 'disable', 'ops', '--data', data]).status, 0);
      assert.match(runCli(['admin', 'list', '--data', data]).stdout, /disabled/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  test('the first start prints console credentials that sign in; the second start prints none', async () => {
    const data = mkdtempSync(join(tmpdir(), 'borealis-first-'));
    try {
      let serve = await startServe(['--data', data]);
      let out = '';
      try {
        for (let i = 0; i < 50 && !/password: /.test(out); i++) {
          await new Promise((r) => setTimeout(r, 100));
          out = serve.stdout();
        }
        assert.match(out, /console is at http:\/\/127\.0\.0\.1:\d+\/console/);
        const password = /password: (\S+)/.exec(out)?.[1];
        const s = new Session(serve.url);
        const r = await s.signIn('admin', password);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal((r.body.operator as { role: string }).role, 'admin');
      } finally {
        await serve.stop();
      }
      serve = await startServe(['--data', data]);
      try {
        await new Promise((r) => setTimeout(r, 500));
        assert.doesNotMatch(serve.stdout(), /password: /);
      } finally {
        await serve.stop();
      }
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
