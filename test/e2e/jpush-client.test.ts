/**
 * The official JPush Node.js server SDK (npm `jpush-async`), unchanged, talking to Borealis.
 *
 * The SDK has no base-URL setting: its endpoints are private module constants
 * (`https://api.jpush.cn/v3/push`, ...). So nothing in the SDK is touched at all; instead the
 * test does what an operator does with DNS or /etc/hosts: connections the SDK opens to a
 * `*.jpush.cn` host land on Borealis. Borealis serves HTTPS here with a throwaway certificate
 * for api.jpush.cn, trusted only on those redirected connections, so the SDK's TLS checks stay
 * on. Both of the SDK's HTTP stacks (the promise client and the callback client, which alone
 * has getCid) send through Node's https global agent, which is the one thing replaced, for the
 * duration of this file only.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORMS } from '../../src/domain/push.js';
import { formatLocalDateTime } from '../../src/schedules/trigger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { hasOpenssl, makeCertificate } from '../helpers/tls.js';

// ---- the parts of the SDK's (untyped, CommonJS) surface this file uses -------------------------

interface PushResult {
  sendno: string;
  msg_id: string;
}

/** The payload builder returned by `client.push()` of the promise client. */
interface PushBuilder {
  setPlatform(...platforms: string[]): PushBuilder;
  setAudience(...audiences: object[]): PushBuilder;
  setNotification(...parts: (string | object)[]): PushBuilder;
  setMessage(content: string, title?: string | null, contentType?: string | null, extras?: object | null): PushBuilder;
  setOptions(
    sendno?: number | null,
    timeToLive?: number | null,
    overrideMsgId?: number | null,
    apnsProduction?: boolean | null,
  ): PushBuilder;
  /** The JSON object the builder sends. */
  toJSON(): Record<string, unknown>;
  setSingleSchedule(time: string): PushBuilder;
  setPeriodicalSchedule(start: string, end: string, time: string, timeUnit: string, frequency: number, point?: string[]): PushBuilder;
  setSchedule(name: string, enabled: boolean): Promise<{ schedule_id: string; name: string }>;
  updateSchedule(scheduleId: string, name: string | null, enabled: boolean | null): Promise<Record<string, unknown>>;
  send(): Promise<PushResult>;
  sendValidate(): Promise<PushResult>;
}

interface Credentials {
  appKey: string;
  masterSecret: string;
  isDebug?: boolean;
}

interface PromiseClient {
  push(): PushBuilder;
  sendPush(payload: object): Promise<PushResult>;
  getSchedule(id: string): Promise<Record<string, unknown>>;
  getScheduleList(page: number): Promise<{ total_count: number; page: number; schedules: { schedule_id: string }[] }>;
  delSchedule(id: string): Promise<unknown>;
  deleteTag(tag: string, platform: string | null): Promise<unknown>;
  deleteAlias(alias: string, platform: string | null): Promise<unknown>;
}

type Done = (err: Error | null, res?: unknown) => void;

interface CallbackClient {
  getCid(count: number, type: string, callback: (err: Error | null, res?: { cidlist: string[] }) => void): void;
  deleteTag(tag: string, platform: string | null, callback: Done): void;
  deleteAlias(alias: string, platform: string | null, callback: Done): void;
}

/** What the SDK rejects with when JPush answers a non-200 status. */
interface ApiRequestError extends Error {
  httpCode: number;
  /** The response body, as text. */
  response: string;
}

interface SdkModule {
  JPushAsync: {
    buildClient(options: Credentials): PromiseClient;
    ALL: string;
    registration_id(...ids: string[]): object;
    tag(...tags: string[]): object;
    ios(alert: string, sound?: string | null, badge?: number | null, contentAvailable?: boolean | null, extras?: object | null): object;
    android(alert: string, title?: string | null, builderId?: number | null, extras?: object | null): object;
    APIRequestError: new (...args: never[]) => ApiRequestError;
  };
  JPush: {
    buildClient(options: Credentials): CallbackClient;
    APIRequestError: new (...args: never[]) => ApiRequestError;
  };
}

const sdk = createRequire(import.meta.url)('jpush-async') as SdkModule;
const { JPushAsync } = sdk;

function getCid(client: CallbackClient, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    client.getCid(count, 'push', (err, res) => (err ? reject(err) : resolve(res!.cidlist)));
  });
}

/** The JPush error object inside the SDK's APIRequestError. */
function jpushError(err: unknown): { httpCode: number; code: number; message: string } {
  const e = err as ApiRequestError;
  const body = JSON.parse(e.response) as { error: { code: number; message: string } };
  return { httpCode: e.httpCode, code: body.error.code, message: body.error.message };
}

// ---- redirecting *.jpush.cn to the test node ----------------------------------------------------

const JPUSH_HOST = /(^|\.)jpush\.cn$/i;

/** Sends connections for JPush hosts to the local node; every other host is left alone. */
class JPushHostRedirect extends https.Agent {
  readonly seen: string[] = [];

  constructor(
    private readonly port: number,
    private readonly ca: Buffer,
  ) {
    super({ keepAlive: false });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = options.host ?? options.hostname ?? '';
    if (!JPUSH_HOST.test(host)) return super.createConnection(options, callback);
    this.seen.push(`${host}:${options.port}`);
    // servername (SNI and certificate check) stays the JPush host name.
    return super.createConnection({ ...options, host: '127.0.0.1', port: this.port, ca: this.ca }, callback);
  }
}

// ---- the tests ------------------------------------------------------------------------------------


describe('the official JPush Node SDK against Borealis', { skip: !hasOpenssl && 'openssl is needed to make a test certificate' }, () => {
  let server: TestServer;
  let certDir: string;
  let agent: JPushHostRedirect;
  let client: PromiseClient;
  let callbackClient: CallbackClient;
  const httpsModule: { globalAgent: https.Agent } = https;
  const originalAgent = https.globalAgent;
  const originalNoProxy = process.env.NO_PROXY;

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'borealis-jpush-sdk-'));
    const tls = makeCertificate(certDir, ['api.jpush.cn', 'device.jpush.cn', 'report.jpush.cn']);
    server = await startTestServer({ tls });
    agent = new JPushHostRedirect(Number(new URL(server.url).port), readFileSync(tls.cert));
    httpsModule.globalAgent = agent;
    // The SDK's HTTP library honours proxy variables; this file's traffic must stay local.
    process.env.NO_PROXY = '*';
    const creds = { appKey: server.app.appKey, masterSecret: server.app.masterSecret, isDebug: false };
    client = JPushAsync.buildClient(creds);
    callbackClient = sdk.JPush.buildClient(creds);
  });

  after(async () => {
    httpsModule.globalAgent = originalAgent;
    agent?.destroy();
    if (originalNoProxy === undefined) delete process.env.NO_PROXY;
    else process.env.NO_PROXY = originalNoProxy;
    await server?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  /** The README's "expert mode" push, to every platform, for one registration id. */
  const fullPush = (c: PromiseClient = client) =>
    c
      .push()
      .setPlatform(JPushAsync.ALL)
      .setAudience(JPushAsync.registration_id(server.devices[0]!.registrationId))
      .setNotification(
        'Hi, JPush',
        JPushAsync.ios('你好, iOS', 'happy', 5, null, { from: 'sdk' }),
        JPushAsync.android('你好, Android', 'Borealis', 1, { from: 'sdk' }),
      )
      .setMessage('msg content', 'msg title', 'text', { k: 'v' })
      .setOptions(42, 60, null, false);

  test('push: resolves with sendno and msg_id, and Borealis stored what the SDK sent', async () => {
    const builder = fullPush();
    const sent = JSON.parse(JSON.stringify(builder.toJSON())) as Record<string, Record<string, unknown>>;
    const result = await builder.send();

    assert.deepEqual(Object.keys(result).sort(), ['msg_id', 'sendno']);
    assert.equal(result.sendno, '42');
    assert.match(result.msg_id, /^[1-9][0-9]*$/);
    assert.ok(agent.seen.includes('api.jpush.cn:443'), `the SDK addressed ${agent.seen.join(', ')}`);

    const stored = await server.node.ctx.store.pushes.get(result.msg_id);
    assert.ok(stored, 'the push is stored under the msg_id the SDK got');
    assert.equal(stored.appKey, server.app.appKey);
    assert.equal(stored.source, 'jpush');
    assert.equal(stored.sendno, '42');
    assert.deepEqual(stored.platforms, [...PLATFORMS]);
    assert.deepEqual(stored.audience, { registrationId: [server.devices[0]!.registrationId] });
    assert.deepEqual(stored.notification, sent.notification);
    assert.deepEqual(stored.notification, {
      alert: 'Hi, JPush',
      ios: { alert: '你好, iOS', sound: 'happy', badge: 5, extras: { from: 'sdk' } },
      android: { alert: '你好, Android', title: 'Borealis', builder_id: 1, extras: { from: 'sdk' } },
    });
    assert.deepEqual(stored.message, sent.message);
    assert.deepEqual(stored.message, { msg_content: 'msg content', title: 'msg title', content_type: 'text', extras: { k: 'v' } });
    assert.equal(stored.options.timeToLive, 60);
    assert.equal(stored.options.apnsProduction, false);
    assert.deepEqual(stored.options.raw, sent.options);
    assert.equal(stored.expiresAt - stored.createdAt, 60_000);
  });

  test('validate: resolves like a push, and nothing is stored for its msg_id', async () => {
    const result = await fullPush().sendValidate();
    assert.equal(result.sendno, '42');
    assert.match(result.msg_id, /^[0-9]+$/);
    assert.equal(await server.node.ctx.store.pushes.get(result.msg_id), undefined);
  });

  test('cid: getCid issues {appKey}-{uuid}; a push carrying a cid twice answers one msg_id', async () => {
    const cids = await getCid(callbackClient, 3);
    assert.equal(cids.length, 3);
    assert.equal(new Set(cids).size, 3);
    const shape = new RegExp(`^${server.app.appKey}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);
    for (const cid of cids) assert.match(cid, shape);

    // The builder has no cid setter: its JSON plus `cid`, through the client's sendPush.
    const cid = cids[0]!;
    const first = await client.sendPush({ ...fullPush().toJSON(), cid });
    const second = await client.sendPush({ ...fullPush().setOptions(43, 60, null, false).toJSON(), cid });
    assert.deepEqual(second, first);
    assert.equal(second.sendno, '42');
    const stored = await server.node.ctx.store.pushes.get(first.msg_id);
    assert.equal(stored?.cid, cid);
  });

  test('a wrong master secret: the SDK rejects with APIRequestError, HTTP 401, JPush code 1004', async () => {
    const wrong = { appKey: server.app.appKey, masterSecret: 'f'.repeat(24), isDebug: false };

    const pushErr = await fullPush(JPushAsync.buildClient(wrong))
      .send()
      .then(() => assert.fail('the push was accepted'), (err: unknown) => err);
    assert.ok(pushErr instanceof JPushAsync.APIRequestError, String(pushErr));
    assert.equal(jpushError(pushErr).httpCode, 401);
    assert.equal(jpushError(pushErr).code, 1004);

    const cidErr = await getCid(sdk.JPush.buildClient(wrong), 1).then(
      () => assert.fail('cids were issued'),
      (err: unknown) => err,
    );
    assert.ok(cidErr instanceof sdk.JPush.APIRequestError, String(cidErr));
    assert.equal(jpushError(cidErr).httpCode, 401);
    assert.equal(jpushError(cidErr).code, 1004);
  });

  test('an invalid push (a 41-byte tag): HTTP 400, code 1003, with the error message, on push and validate', async () => {
    const bad = () =>
      client
        .push()
        .setPlatform('android', 'ios')
        .setAudience(JPushAsync.tag('t'.repeat(41)))
        .setNotification('Hi, JPush');
    for (const call of [() => bad().send(), () => bad().sendValidate()]) {
      const err = await call().then(() => assert.fail('the push was accepted'), (e: unknown) => e);
      assert.ok(err instanceof JPushAsync.APIRequestError, String(err));
      const { httpCode, code, message } = jpushError(err);
      assert.equal(httpCode, 400);
      assert.equal(code, 1003);
      assert.match(message, /tag/);
    }
  });

  test('schedules: setSchedule, getSchedule, getScheduleList, updateSchedule, delSchedule; the schedule fires', async () => {
    const zone = 480; // schedule times are UTC+8 wall-clock times, as JPush reads them
    const time = formatLocalDateTime(Math.ceil((Date.now() + 2000) / 1000) * 1000, zone);
    const created = await fullPush().setSingleSchedule(time).setSchedule('sdk_schedule', true);
    assert.equal(created.name, 'sdk_schedule');
    assert.match(created.schedule_id, /^[0-9a-f-]{36}$/);
    const got = await client.getSchedule(created.schedule_id);
    assert.deepEqual(got.trigger, { single: { time } });
    const list = await client.getScheduleList(1);
    assert.ok(list.schedules.some((x) => x.schedule_id === created.schedule_id));

    const start = formatLocalDateTime(Date.now() + 3_600_000, zone);
    const end = formatLocalDateTime(Date.now() + 10 * 86_400_000, zone);
    const weekly = await fullPush().setPeriodicalSchedule(start, end, '08:30:00', 'week', 1, ['MON', 'THU']).setSchedule('sdk_weekly', true);
    const renamed = await client.push().updateSchedule(weekly.schedule_id, 'sdk_weekly_2', false);
    assert.equal(renamed.name, 'sdk_weekly_2');
    assert.equal(renamed.enabled, false);

    // (the SDK has a getScheduleMsgIds function but exports it on neither client)
    const run = await waitFor(async () => (await server.node.ctx.store.schedules.runs(created.schedule_id)).find((r) => r.doneAt !== null), 15_000, 'the schedule to fire');
    assert.equal(run.errorCode, null);
    assert.ok(await server.node.ctx.store.pushes.get(run.msgId!));

    await client.delSchedule(weekly.schedule_id);
    await assert.rejects(client.getSchedule(weekly.schedule_id), (err: unknown) => {
      assert.equal(jpushError(err).httpCode, 404);
      assert.equal(jpushError(err).code, 8104);
      return true;
    });
  });

  test('deleteTag and deleteAlias of both clients: resolve (200) and take effect', async () => {
    const viaCallback = (call: (done: Done) => void) =>
      new Promise<unknown>((resolve, reject) => call((err, res) => (err ? reject(err) : resolve(res))));
    const device = await server.registerDevice(server.app, { tags: ['sdk_p', 'sdk_c', 'sdk_keep'], alias: 'sdk_alias_p' });
    const rec = () => server.node.ctx.registry.get(server.app.appKey, device.registrationId);

    await client.deleteTag('sdk_p', null);
    await viaCallback((done) => callbackClient.deleteTag('sdk_c', 'android', done));
    assert.deepEqual((await rec())?.tags, ['sdk_keep']);

    await client.deleteAlias('sdk_alias_p', 'android');
    assert.equal((await rec())?.alias, null);
    await server.node.ctx.registry.setAlias((await rec())!, 'sdk_alias_c');
    assert.equal(await viaCallback((done) => callbackClient.deleteAlias('sdk_alias_c', null, done)), 200);
    assert.equal((await rec())?.alias, null);
  });
});
