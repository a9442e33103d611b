import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatLocalDateTime } from '../../src/schedules/trigger.js';
import { Scheduler } from '../../src/schedules/scheduler.js';
import { call, errorCode, startTestServer, storeQuery, type TestServer } from '../helpers/server.js';
import { sleep, waitFor } from '../helpers/wait.js';

const ZONE = 480;
/** A trigger time `ms` from now, in JPush's zone, rounded up to a whole second. */
const inMs = (ms: number) => formatLocalDateTime(Math.ceil((Date.now() + ms) / 1000) * 1000, ZONE);

function pushTo(server: TestServer) {
  return { platform: 'all', audience: { registration_id: [server.devices[0]!.registrationId] }, notification: { alert: 'scheduled' } };
}

async function msgIds(server: TestServer, id: string): Promise<{ msg_id: string; error: { code: number } }[]> {
  const res = await call(server, 'GET', `/v3/schedules/${id}/msg_ids`);
  assert.equal(res.status, 200, res.text);
  const body = res.body as { count: number; msgids: string[] };
  assert.equal(body.count, body.msgids.length);
  return body.msgids.map((s) => JSON.parse(s) as { msg_id: string; error: { code: number } });
}

async function create(server: TestServer, trigger: object, extra: object = {}): Promise<string> {
  const res = await call(server, 'POST', '/v3/schedules', { body: { name: 'test_schedule', enabled: true, trigger, push: pushTo(server), ...extra } });
  assert.equal(res.status, 200, res.text);
  const body = res.body as { schedule_id: string; name: string };
  assert.equal(body.name, 'test_schedule');
  return body.schedule_id;
}

describe('Schedule API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ schedules: { pollMs: 100, maxPerApp: 100, requestsPerMinute: 0 }, limits: { requestsPerWindow: 0 } });
  });
  after(() => server.close());

  test('a single schedule fires once at its time, with the push it was given', async () => {
    const id = await create(server, { single: { time: inMs(2000) } });
    assert.deepEqual(await msgIds(server, id), []);
    const runs = await waitFor(async () => {
      const r = await msgIds(server, id);
      return r.length > 0 && r;
    }, 15_000, 'the schedule to fire');
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.error.code, 0);
    const stored = await server.node.ctx.store.pushes.get(runs[0]!.msg_id);
    assert.ok(stored);
    assert.equal(stored.appKey, server.app.appKey);
    assert.deepEqual(stored.notification, { alert: 'scheduled' });
    // expired: no longer listed, and never fires again
    await sleep(400);
    assert.equal((await msgIds(server, id)).length, 1);
    const list = (await call(server, 'GET', '/v3/schedules')).body as { schedules: { schedule_id: string }[] };
    assert.ok(!list.schedules.some((s) => s.schedule_id === id));
  });

  test('a periodical schedule fires at its time and again one period later', async () => {
    const now = Date.now();
    const time = formatLocalDateTime(Math.ceil((now + 2000) / 1000) * 1000, ZONE).slice(11);
    const id = await create(server, {
      periodical: { start: formatLocalDateTime(now - 60_000, ZONE), end: formatLocalDateTime(now + 5 * 86_400_000, ZONE), time, time_unit: 'day', frequency: 1 },
    });
    const first = await waitFor(async () => (await server.node.ctx.store.schedules.runs(id)).filter((r) => r.doneAt !== null)[0], 15_000, 'the first firing');
    assert.ok(first.msgId);
    const record = await server.node.ctx.store.schedules.get(server.app.appKey, id);
    assert.equal(record!.nextAt, first.fireAt + 86_400_000);
    // A day later, as seen by a scheduler whose clock is one day ahead.
    const ctx = server.node.ctx;
    const later = new Scheduler(ctx.store, ctx.accept, ctx.logger, {
      utcOffsetMinutes: ZONE, pollMs: 1000, catchUpMs: 3_600_000, claimBatch: 10, clock: () => Date.now() + 86_400_000,
    });
    assert.ok((await later.tick()) >= 1);
    const runs = await msgIds(server, id);
    assert.equal(runs.length, 2);
    assert.notEqual(runs[0]!.msg_id, runs[1]!.msg_id);
    const all = await ctx.store.schedules.runs(id);
    assert.equal(all[1]!.fireAt, first.fireAt + 86_400_000);
  });

  test('deleted or disabled schedules never fire', async () => {
    const deleted = await create(server, { single: { time: inMs(1500) } });
    const disabled = await create(server, { single: { time: inMs(1500) } });
    assert.equal((await call(server, 'DELETE', `/v3/schedules/${deleted}`)).status, 200);
    const put = await call(server, 'PUT', `/v3/schedules/${disabled}`, { body: { enabled: false } });
    assert.equal(put.status, 200, put.text);
    assert.equal((put.body as { enabled: boolean }).enabled, false);
    await sleep(3000);
    assert.deepEqual(await server.node.ctx.store.schedules.runs(deleted), []);
    assert.deepEqual(await server.node.ctx.store.schedules.runs(disabled), []);
    assert.equal(errorCode(await call(server, 'GET', `/v3/schedules/${deleted}`)), 8104);
    assert.equal(errorCode(await call(server, 'DELETE', `/v3/schedules/${deleted}`)), 8104);
  });

  test('create, get, list (paged), update', async () => {
    const id = await create(server, { single: { time: inMs(3_600_000) } });
    const got = await call(server, 'GET', `/v3/schedules/${id}`);
    assert.equal(got.status, 200);
    const body = got.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['enabled', 'name', 'push', 'schedule_id', 'trigger']);
    assert.deepEqual(body.push, pushTo(server));

    const list = await call(server, 'GET', '/v3/schedules?page=1');
    const page = list.body as { total_count: number; total_pages: number; page: number; schedules: { schedule_id: string }[] };
    assert.equal(page.page, 1);
    assert.equal(page.total_pages, Math.ceil(page.total_count / 50));
    assert.ok(page.schedules.some((s) => s.schedule_id === id));
    const beyond = (await call(server, 'GET', '/v3/schedules?page=99')).body as { schedules: unknown[] };
    assert.deepEqual(beyond.schedules, []);

    const newTime = inMs(7_200_000);
    const put = await call(server, 'PUT', `/v3/schedules/${id}`, { body: { name: '改名_2', trigger: { single: { time: newTime } } } });
    assert.equal(put.status, 200, put.text);
    assert.equal((put.body as { name: string }).name, '改名_2');
    assert.deepEqual((put.body as { trigger: unknown }).trigger, { single: { time: newTime } });
    const switched = await call(server, 'PUT', `/v3/schedules/${id}`, {
      body: { trigger: { periodical: { start: inMs(60_000), end: inMs(86_400_000 * 3), time: '12:00:00', time_unit: 'day' } } },
    });
    assert.equal(errorCode(switched), 8100);
    assert.equal(errorCode(await call(server, 'PUT', `/v3/schedules/${id}`, { body: {} })), 8100);
    assert.equal(errorCode(await call(server, 'PUT', `/v3/schedules/${id}`, { body: { push: { platform: 'all' } } })), 1002);
  });

  test('bad requests get the documented codes', async () => {
    const push = pushTo(server);
    const trigger = { single: { time: inMs(3_600_000) } };
    const cases: [object | string, number][] = [
      ['not json', 1003],
      [{ name: 'n', enabled: true, trigger, push, extra: 1 }, 8100],
      [{ enabled: true, trigger, push }, 8100],
      [{ name: 'bad name!', enabled: true, trigger, push }, 8100],
      [{ name: 'x'.repeat(256), enabled: true, trigger, push }, 8100],
      [{ name: 'n', enabled: false, trigger, push }, 8100],
      [{ name: 'n', enabled: true, trigger: { single: { time: inMs(-60_000) } }, push }, 8100],
      [{ name: 'n', enabled: true, trigger: { single: { time: inMs(400 * 86_400_000) } }, push }, 8100],
      [{ name: 'n', enabled: true, trigger, push: { ...push, platform: 'pc' } }, 1003],
      [{ name: 'n', enabled: true, trigger, push: { platform: 'all', audience: 'all' } }, 1002],
      [{ name: 'n', enabled: true, trigger, push: { ...push, audience: { file: { file_id: 'nope' } } } }, 8100],
      [{ name: 'n', enabled: true, trigger }, 1002],
      [{ name: 'n', enabled: true, trigger, push: { ...push, callback: { url: 'https://not-registered.example/cb' } } }, 1018],
    ];
    for (const [body, code] of cases) {
      const res = typeof body === 'string' ? await call(server, 'POST', '/v3/schedules', { raw: body }) : await call(server, 'POST', '/v3/schedules', { body });
      assert.equal(errorCode(res), code, `${JSON.stringify(body)} -> ${res.text}`);
      assert.equal(res.status, 400);
    }
    const noAuth = await call(server, 'GET', '/v3/schedules', { auth: null });
    assert.equal(noAuth.status, 401);
    assert.equal(errorCode(noAuth), 8101);
    assert.equal(errorCode(await call(server, 'GET', '/v3/schedules/not-a-uuid')), 8104);
    assert.equal((await call(server, 'GET', '/v3/schedules/not-a-uuid')).status, 404);
    assert.equal(errorCode(await call(server, 'GET', '/v3/schedules?page=0')), 8100);
  });

  test('another app sees none of the schedules', async () => {
    const id = await create(server, { single: { time: inMs(3_600_000) } });
    const other = await server.createApp('other');
    assert.equal(errorCode(await call(server, 'GET', `/v3/schedules/${id}`, { auth: other })), 8104);
    assert.equal(errorCode(await call(server, 'DELETE', `/v3/schedules/${id}`, { auth: other })), 8104);
    assert.equal(errorCode(await call(server, 'PUT', `/v3/schedules/${id}`, { auth: other, body: { enabled: false } })), 8104);
    const list = (await call(server, 'GET', '/v3/schedules', { auth: other })).body as { total_count: number };
    assert.equal(list.total_count, 0);
  });

  test('a cid of type schedule makes creation idempotent; push cids are refused', async () => {
    const [cid] = ((await call(server, 'GET', '/v3/push/cid?type=schedule')).body as { cidlist: string[] }).cidlist;
    const trigger = { single: { time: inMs(3_600_000) } };
    const first = await call(server, 'POST', '/v3/schedules', { body: { cid, name: 'once', enabled: true, trigger, push: pushTo(server) } });
    const again = await call(server, 'POST', '/v3/schedules', { body: { cid, name: 'once', enabled: true, trigger, push: pushTo(server) } });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(again.body, first.body);
    const [pushCid] = ((await call(server, 'GET', '/v3/push/cid?type=push')).body as { cidlist: string[] }).cidlist;
    const wrong = await call(server, 'POST', '/v3/schedules', { body: { cid: pushCid, name: 'x', enabled: true, trigger, push: pushTo(server) } });
    assert.equal(errorCode(wrong), 8100);
  });
});

describe('Schedules across restarts', () => {
  test('a trigger passed while the server was down fires once after it comes back, never twice', async () => {
    const server = await startTestServer({ schedules: { pollMs: 100 } });
    try {
      const id = await create(server, { single: { time: inMs(2500) } });
      const port = Number(new URL(server.url).port);
      await server.node.stop();
      await sleep(3500); // the trigger passes while nothing runs
      const { startNode } = await import('../../src/node.js');
      server.node = await startNode({ ...server.config, port });
      const runs = await waitFor(async () => {
        const r = await msgIds(server, id);
        return r.length > 0 && r;
      }, 15_000, 'the missed trigger to fire');
      assert.equal(runs.length, 1);
      await server.restart();
      await sleep(800);
      assert.equal((await msgIds(server, id)).length, 1);
    } finally {
      await server.close();
    }
  });

  test('a trigger missed by more than the catch-up window is skipped', async () => {
    const server = await startTestServer({ schedules: { pollMs: 100, catchUpSeconds: 1 } });
    try {
      const id = await create(server, { single: { time: inMs(1500) } });
      const port = Number(new URL(server.url).port);
      await server.node.stop();
      await sleep(4000);
      const { startNode } = await import('../../src/node.js');
      server.node = await startNode({ ...server.config, port });
      await waitFor(async () => (await server.node.ctx.store.schedules.get(server.app.appKey, id))?.nextAt === null, 10_000, 'the schedule to expire');
      assert.equal((await msgIds(server, id)).length, 0);
    } finally {
      await server.close();
    }
  });
});

describe('Schedules claimed once', () => {
  test('two schedulers on one database (two nodes) fire each due schedule once', async () => {
    const server = await startTestServer({ schedules: { pollMs: 60_000, maxPerApp: 1000 } });
    const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store.js');
    const { sqliteFile } = await import('../../src/config.js');
    const second = new SqliteStore({ path: sqliteFile(server.config), synchronous: 'normal' });
    try {
      const ctx = server.node.ctx;
      await ctx.scheduler.stop(); // only the two below may claim
      const dueAt = Date.now() - 1000;
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        ids.push(id);
        await ctx.store.schedules.insert({
          scheduleId: id, appKey: server.app.appKey, name: `s${i}`, enabled: true, kind: 'single',
          trigger: { single: { time: formatLocalDateTime(dueAt, ZONE) } }, push: pushTo(server), cid: null,
          createdAt: Date.now(), updatedAt: Date.now(), nextAt: dueAt,
        });
      }
      const options = { utcOffsetMinutes: ZONE, pollMs: 60_000, catchUpMs: 3_600_000, claimBatch: 7 };
      const a = new Scheduler(ctx.store, ctx.accept, ctx.logger, options);
      const b = new Scheduler(second, ctx.accept, ctx.logger, options);
      const [fa, fb] = await Promise.all([a.tick(), b.tick()]);
      assert.equal(fa + fb, 60, `fired ${fa} + ${fb}`);
      for (const id of ids) assert.equal((await ctx.store.schedules.runs(id)).length, 1, id);
      assert.equal(await a.tick(), 0);
    } finally {
      await second.close();
      await server.close();
    }
  });

  test('a run claimed when the process died is reported failed at the next start, not sent again', async () => {
    const server = await startTestServer({ schedules: { pollMs: 100 } });
    try {
      const id = await create(server, { single: { time: inMs(3_600_000) } });
      const record = await server.node.ctx.store.schedules.get(server.app.appKey, id);
      const port = Number(new URL(server.url).port);
      await server.node.stop();
      // what a crash right after the claim transaction leaves: a claimed run, the schedule moved on
      await storeQuery(server, 'INSERT INTO schedule_runs (schedule_id, fire_at, claimed_at) VALUES (?, ?, ?)', id, record!.nextAt, Date.now());
      await storeQuery(server, 'UPDATE schedules SET next_at = NULL WHERE schedule_id = ?', id);
      const { startNode } = await import('../../src/node.js');
      server.node = await startNode({ ...server.config, port });
      const runs = await msgIds(server, id);
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.error.code, 8200);
      assert.equal(runs[0]!.msg_id, '');
    } finally {
      await server.close();
    }
  });
});
