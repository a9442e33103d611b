import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import { runCli } from '../helpers/cli.js';
import { call, errorCode, startTestServer, type TestDevice, type TestServer } from '../helpers/server.js';

const DAY = 24 * 3600 * 1000;

describe('segments and A/B tests', () => {
  let server: TestServer;
  let app: Credentials;
  let other: Credentials;
  /** 120 android devices tagged "s" (every third also "vip"), 40 ios tagged "s", 10 android untagged. */
  const android: TestDevice[] = [];
  const ios: TestDevice[] = [];
  const untagged: TestDevice[] = [];
  const all = () => [...android, ...ios, ...untagged];

  async function numOf(d: TestDevice): Promise<number> {
    const rec = await server.node.ctx.registry.get(d.appKey, d.registrationId);
    return rec!.num;
  }

  /** Which of `devices` a push targets, by the Report API's per-device status (3 = not a target). */
  async function targetsOf(msgId: string, devices: TestDevice[], auth = app): Promise<Set<string>> {
    const res = await call(server, 'POST', '/v3/status/message', {
      auth,
      body: { msg_id: msgId, registration_ids: devices.map((d) => d.registrationId) },
    });
    assert.equal(res.status, 200, res.text);
    const body = res.body as Record<string, { status: number }>;
    return new Set(Object.entries(body).filter(([, v]) => v.status !== 3 && v.status !== 2).map(([rid]) => rid));
  }

  async function push(audience: Record<string, unknown>, auth = app) {
    return call(server, 'POST', '/v3/push', { auth, body: { platform: 'all', audience, notification: { alert: 'seg' } } });
  }

  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 } });
    app = server.app; // the app `call` authenticates as by default
    other = await server.createApp('other');
    for (let i = 0; i < 120; i++) android.push(await server.registerDevice(app, { platform: 'android', tags: i % 3 === 0 ? ['s', 'vip'] : ['s'] }));
    for (let i = 0; i < 40; i++) ios.push(await server.registerDevice(app, { platform: 'ios', tags: ['s'] }));
    for (let i = 0; i < 10; i++) untagged.push(await server.registerDevice(app, { platform: 'android' }));
    // activity: even android devices were seen a day ago, odd ones 30 days ago
    const now = Date.now();
    for (let i = 0; i < android.length; i++) {
      await server.node.ctx.store.devices.markOnline(app.appKey, [await numOf(android[i]!)], now - (i % 2 === 0 ? DAY : 30 * DAY));
    }
  });
  after(() => server.close());

  test('a segment over tags, platform and activity resolves to exactly its devices', async () => {
    const created = await call(server, 'POST', '/v3/segments', {
      body: { name: 'recent android', tag: ['s'], tag_not: ['vip'], platform: ['android'], active_days: 7 },
    });
    assert.equal(created.status, 200, created.text);
    const seg = created.body as { segment_id: string; platform: string[]; active_days: number };
    assert.match(seg.segment_id, /^[0-9a-f]{16}$/);
    assert.deepEqual(seg.platform, ['android']);
    const expected = android.filter((_, i) => i % 2 === 0 && i % 3 !== 0).map((d) => d.registrationId);

    const got = await call(server, 'GET', `/v3/segments/${seg.segment_id}`);
    assert.equal((got.body as { size: number }).size, expected.length);

    const pushed = await push({ segment: [seg.segment_id] });
    assert.equal(pushed.status, 200, pushed.text);
    const targets = await targetsOf((pushed.body as { msg_id: string }).msg_id, all());
    assert.deepEqual([...targets].sort(), [...expected].sort());

    // combined with another audience kind: AND
    const vipOnly = await push({ segment: [seg.segment_id], tag: ['vip'] });
    assert.equal(errorCode(vipOnly), 1011);

    // redefined: the next push follows the new definition
    const put = await call(server, 'PUT', `/v3/segments/${seg.segment_id}`, { body: { name: 'ios', platform: 'ios' } });
    assert.equal(put.status, 200, put.text);
    const again = await push({ segment: [seg.segment_id] });
    const iosTargets = await targetsOf((again.body as { msg_id: string }).msg_id, all());
    assert.deepEqual([...iosTargets].sort(), ios.map((d) => d.registrationId).sort());
  });

  test('unknown segments, and those of another app, match nothing (1011)', async () => {
    assert.equal(errorCode(await push({ segment: ['0123456789abcdef'] })), 1011);
    const theirs = await call(server, 'POST', '/v3/segments', { auth: other, body: { name: 'x', platform: 'all' } });
    const id = (theirs.body as { segment_id: string }).segment_id;
    assert.equal(errorCode(await push({ segment: [id] })), 1011);
    assert.equal((await call(server, 'GET', `/v3/segments/${id}`)).status, 404);
    assert.equal((await call(server, 'DELETE', `/v3/segments/${id}`)).status, 404);
    const list = await call(server, 'GET', '/v3/segments');
    assert.ok(!(list.body as { segments: { segment_id: string }[] }).segments.some((s) => s.segment_id === id));
  });

  test('bad definitions get the documented codes', async () => {
    const cases: [unknown, number][] = [
      [{ tag: ['s'] }, 1002],
      [{ name: 'x' }, 1002],
      [{ name: 'x', tag: ['bad tag'] }, 1003],
      [{ name: 'x', tag: [] }, 1003],
      [{ name: 'x', active_days: 0 }, 1003],
      [{ name: 'x', platform: ['winphone'] }, 1003],
      [{ name: 'x', platform: 'all', extra: 1 }, 1009],
      [[1], 1003],
    ];
    for (const [body, code] of cases) {
      const res = await call(server, 'POST', '/v3/segments', { body });
      assert.equal(errorCode(res), code, `${JSON.stringify(body)} -> ${res.text}`);
      assert.equal(res.status, 400);
    }
    const ab: [unknown, number][] = [
      [{ name: 'x', groups: [{ name: 'a', percent: 60 }, { name: 'b', percent: 50 }] }, 1003],
      [{ name: 'x', groups: [{ name: 'a', percent: 50 }] }, 1003],
      [{ name: 'x', groups: [{ name: 'a', percent: 50 }, { name: 'a', percent: 10 }] }, 1003],
      [{ name: 'x', segment_id: '0123456789abcdef', groups: [{ name: 'a', percent: 50 }, { name: 'b', percent: 50 }] }, 1003],
      [{ name: 'x' }, 1002],
    ];
    for (const [body, code] of ab) assert.equal(errorCode(await call(server, 'POST', '/v3/abtests', { body })), code, JSON.stringify(body));
  });

  test('an A/B test splits its audience into fixed, disjoint groups', async () => {
    const seg = await call(server, 'POST', '/v3/segments', { body: { name: 'tagged', tag: ['s'] } });
    const segmentId = (seg.body as { segment_id: string }).segment_id;
    const created = await call(server, 'POST', '/v3/abtests', {
      body: { name: 'copy test', segment_id: segmentId, groups: [{ name: 'a', percent: 50 }, { name: 'b', percent: 30 }] },
    });
    assert.equal(created.status, 200, created.text);
    const id = (created.body as { abtest_id: string }).abtest_id;

    const info = await call(server, 'GET', `/v3/abtests/${id}`);
    const groups = (info.body as { groups: { name: string; size: number }[] }).groups;
    const tagged = [...android, ...ios];
    // 160 tagged devices: about 80 and 48, the rest (20%) in no group
    assert.ok(groups[0]!.size > 50 && groups[0]!.size < 110, JSON.stringify(groups));
    assert.ok(groups[1]!.size > 25 && groups[1]!.size < 75, JSON.stringify(groups));

    const targetsFor = async (ref: string) => {
      const r = await push({ abtest: [ref] });
      assert.equal(r.status, 200, r.text);
      return targetsOf((r.body as { msg_id: string }).msg_id, all());
    };
    const a = await targetsFor(`${id}:a`);
    const b = await targetsFor(`${id}:b`);
    const both = await targetsFor(id);
    assert.equal(a.size, groups[0]!.size);
    assert.equal(b.size, groups[1]!.size);
    for (const rid of a) assert.ok(!b.has(rid), 'groups are disjoint');
    assert.deepEqual([...both].sort(), [...a, ...b].sort());
    for (const rid of both) assert.ok(tagged.some((d) => d.registrationId === rid), 'only the segment is split');
    // deterministic: the same devices every time
    assert.deepEqual([...(await targetsFor(`${id}:a`))].sort(), [...a].sort());

    assert.equal(errorCode(await push({ abtest: [`${id}:zz`] })), 1011);
    assert.equal(errorCode(await push({ abtest: [`${id}:a`] }, other)), 1011);
    // a segment in use is kept
    assert.equal(errorCode(await call(server, 'DELETE', `/v3/segments/${segmentId}`)), 1003);
    assert.equal((await call(server, 'DELETE', `/v3/abtests/${id}`)).status, 200);
    assert.equal(errorCode(await push({ abtest: [id] })), 1011);
    assert.equal((await call(server, 'DELETE', `/v3/segments/${segmentId}`)).status, 200);
  });

  test('borealis segment and abtest work on a running server', () => {
    const data = ['--data', server.dataDir];
    const made = runCli(['segment', 'create', app.appKey, '--name', 'cli', '--tag', 'vip', '--platform', 'android', ...data]);
    assert.equal(made.status, 0, made.stderr);
    const segmentId = (JSON.parse(made.stdout) as { segment_id: string }).segment_id;
    const bad = runCli(['segment', 'create', app.appKey, '--name', 'cli', '--active-days', 'x', ...data]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /active_days/);
    const ab = runCli(['abtest', 'create', app.appKey, '--name', 'cli', '--segment', segmentId, '--group', 'a:50', '--group', 'b:50', ...data]);
    assert.equal(ab.status, 0, ab.stderr);
    const list = runCli(['segment', 'list', app.appKey, '--json', ...data]);
    assert.ok((JSON.parse(list.stdout) as { segment_id: string }[]).some((s) => s.segment_id === segmentId));
    return (async () => {
      const r = await push({ segment: [segmentId] });
      assert.equal(r.status, 200, r.text);
      const targets = await targetsOf((r.body as { msg_id: string }).msg_id, all());
      assert.deepEqual([...targets].sort(), android.filter((_, i) => i % 3 === 0).map((d) => d.registrationId).sort());
    })();
  });
});
