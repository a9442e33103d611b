import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatLocalDateTime } from '../../src/schedules/trigger.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

async function cids(server: TestServer, count: number, type = 'push'): Promise<string[]> {
  const res = await call(server, 'GET', `/v3/push/cid?count=${count}&type=${type}`);
  return (res.body as { cidlist: string[] }).cidlist;
}

describe('batch push', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 }, schedules: { pollMs: 100 } });
  });
  after(() => server.close());

  test('per-item answers: msg_ids, and errors for the items that fail', async () => {
    const [c1, c2, c3, c4] = await cids(server, 4);
    const notification = { alert: 'one each' };
    const res = await call(server, 'POST', '/v3/push/batch/regid/single', {
      body: {
        pushlist: {
          [c1!]: { platform: 'all', target: server.devices[0]!.registrationId, notification },
          [c2!]: { platform: 'all', target: 'unknownregid', notification },
          [c3!]: { platform: 'all', target: server.devices[1]!.registrationId, notification: {} },
          [c4!]: { platform: 'all', target: server.devices[1]!.registrationId, audience: 'all', notification },
          [`${server.app.appKey}-00000000-0000-4000-8000-000000000000`]: { platform: 'all', target: server.devices[0]!.registrationId, notification },
        },
      },
    });
    assert.equal(res.status, 200, res.text);
    const body = res.body as Record<string, { msg_id?: string; error?: { code: number } }>;
    assert.match(body[c1!]!.msg_id!, /^[1-9][0-9]*$/);
    assert.equal(body[c2!]!.error?.code, 1011);
    assert.equal(body[c3!]!.error?.code, 1003);
    assert.equal(body[c4!]!.error?.code, 1009);
    assert.equal(body[`${server.app.appKey}-00000000-0000-4000-8000-000000000000`]!.error?.code, 1003, 'a cid not from the pool');
    const stored = await server.node.ctx.store.pushes.get(body[c1!]!.msg_id!);
    assert.deepEqual(stored?.audience, { registrationId: [server.devices[0]!.registrationId] });

    // the same cid again answers with its first push
    const again = await call(server, 'POST', '/v3/push/batch/regid/single', {
      body: { pushlist: { [c1!]: { platform: 'all', target: server.devices[0]!.registrationId, notification } } },
    });
    assert.equal((again.body as Record<string, { msg_id: string }>)[c1!]!.msg_id, body[c1!]!.msg_id);
  });

  test('by alias', async () => {
    const [c1] = await cids(server, 1);
    const res = await call(server, 'POST', '/v3/push/batch/alias/single', {
      body: { pushlist: { [c1!]: { platform: 'all', target: 'someone', notification: { alert: 'hi' } } } },
    });
    const item = (res.body as Record<string, { msg_id: string }>)[c1!]!;
    const stored = await server.node.ctx.store.pushes.get(item.msg_id);
    assert.deepEqual(stored?.audience, { alias: ['someone'] });
  });

  test('bad batches', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, {}]));
    const cases: [unknown, number][] = [
      [{}, 1002],
      [{ pushlist: {} }, 1002],
      [{ pushlist: [] }, 1002],
      [{ pushlist: tooMany }, 1003],
      ['[', 1003],
    ];
    for (const [body, code] of cases) {
      const res = typeof body === 'string'
        ? await call(server, 'POST', '/v3/push/batch/regid/single', { raw: body })
        : await call(server, 'POST', '/v3/push/batch/regid/single', { body });
      assert.equal(errorCode(res), code, res.text);
      assert.equal(res.status, 400);
    }
    assert.equal((await call(server, 'POST', '/v3/push/batch/regid/single', { auth: null, body: {} })).status, 401);
  });
});

/**
 * Request shapes of the official Python client (`jpush` on PyPI), which cannot run here:
 * its schedule module sends to `/v3/schedules/` with a trailing slash and `?page=N`, builds
 * triggers with `schedule.trigger(...)`, and its batch push gets a cid pool first and keys
 * each single payload (platform, target, notification) by a cid.
 */
describe('the Python client request shapes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 }, schedules: { pollMs: 100 } });
  });
  after(() => server.close());
  // the headers its _request sends with every call, GET and DELETE included
  const headers = { 'content-type': 'application/json;charset:utf-8', connection: 'keep-alive', 'user-agent': 'jpush-api-python-client' };

  test('schedule: post, get by id, list, put, msg_ids, delete', async () => {
    const push = { audience: 'all', platform: 'all', notification: { alert: 'Hello, world!' } };
    const time = formatLocalDateTime(Math.ceil((Date.now() + 1500) / 1000) * 1000, 480);
    const created = await call(server, 'POST', '/v3/schedules/', { headers, raw: JSON.stringify({ name: 'update_a_schedule', enabled: true, trigger: { single: { time } }, push }) });
    assert.equal(created.status, 200, created.text);
    const id = (created.body as { schedule_id: string }).schedule_id;
    assert.equal((await call(server, 'GET', `/v3/schedules/${id}`, { headers })).status, 200);
    const list = await call(server, 'GET', '/v3/schedules/?page=1', { headers });
    assert.equal(list.status, 200);
    const periodical = {
      periodical: { time: '12:00:00', start: formatLocalDateTime(Date.now() + 60_000, 480), end: formatLocalDateTime(Date.now() + 30 * 86_400_000, 480), time_unit: 'WEEK', frequency: 1, point: ['WED', 'FRI'] },
    };
    const p = await call(server, 'POST', '/v3/schedules/', { headers, raw: JSON.stringify({ name: 'periodical', enabled: true, trigger: periodical, push }) });
    assert.equal(p.status, 200, p.text);
    const pid = (p.body as { schedule_id: string }).schedule_id;
    const put = await call(server, 'PUT', `/v3/schedules/${pid}`, { headers, raw: JSON.stringify({ name: 'renamed', enabled: true }) });
    assert.equal(put.status, 200, put.text);
    const ids = await waitFor(async () => {
      const r = await call(server, 'GET', `/v3/schedules/${id}/msg_ids`, { headers });
      return (r.body as { count: number }).count > 0 && (r.body as { msgids: string[] });
    }, 15_000, 'the schedule to fire');
    assert.equal(typeof JSON.parse(ids.msgids[0]!).msg_id, 'string');
    const del = await call(server, 'DELETE', `/v3/schedules/${pid}`, { headers });
    assert.equal(del.status, 200);
    assert.equal(del.text, '');
  });

  test('batch_push_by_regid', async () => {
    const single = [
      { platform: 'all', target: server.devices[0]!.registrationId, notification: { alert: 'alert content' } },
      { platform: 'all', target: server.devices[1]!.registrationId, notification: { alert: 'alert content' } },
    ];
    const pool = await call(server, 'GET', `/v3/push/cid?count=${single.length}&type=push`, { headers });
    const cidlist = (pool.body as { cidlist: string[] }).cidlist;
    const pushlist = Object.fromEntries(single.map((s, i) => [cidlist[i]!, s]));
    const res = await call(server, 'POST', '/v3/push/batch/regid/single', { headers, raw: JSON.stringify({ pushlist }) });
    assert.equal(res.status, 200, res.text);
    for (const cid of cidlist) assert.ok((res.body as Record<string, { msg_id?: string }>)[cid]?.msg_id, res.text);
  });
});
