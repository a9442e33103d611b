import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

const push = (cid: string, sendno = 1) => ({
  platform: ['android'],
  audience: { alias: ['someone'] },
  notification: { alert: 'once' },
  options: { sendno },
  cid,
});

describe('cid: idempotent pushes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('GET /v3/push/cid issues {appKey}-{uuid}, one by default', async () => {
    const res = await call(server, 'GET', '/v3/push/cid');
    assert.equal(res.status, 200);
    const { cidlist } = res.body as { cidlist: string[] };
    assert.equal(cidlist.length, 1);
    assert.match(cidlist[0]!, new RegExp(`^${server.app.appKey}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
  });

  test('count 1..1000, type push or schedule', async () => {
    const many = await call(server, 'GET', '/v3/push/cid?count=1000&type=schedule');
    assert.equal(many.status, 200);
    const list = (many.body as { cidlist: string[] }).cidlist;
    assert.equal(list.length, 1000);
    assert.equal(new Set(list).size, 1000);
    for (const bad of ['count=0', 'count=1001', 'count=abc', 'count=-1', 'count=1.5', 'type=other', 'count=99999999999']) {
      const res = await call(server, 'GET', `/v3/push/cid?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(errorCode(res), 1003, bad);
    }
  });

  test('needs authentication', async () => {
    const res = await call(server, 'GET', '/v3/push/cid', { auth: null });
    assert.equal(res.status, 401);
    assert.equal(errorCode(res), 1004);
  });

  test('a repeated cid answers the first result and stores one push', async () => {
    const cid = ((await call(server, 'GET', '/v3/push/cid')).body as { cidlist: string[] }).cidlist[0]!;
    const first = await call(server, 'POST', '/v3/push', { body: push(cid, 11) });
    assert.equal(first.status, 200);
    const second = await call(server, 'POST', '/v3/push', { body: push(cid, 22) });
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    assert.equal((second.body as { sendno: string }).sendno, '11');
  });

  test('concurrent pushes with one cid push once', async () => {
    const cid = ((await call(server, 'GET', '/v3/push/cid')).body as { cidlist: string[] }).cidlist[0]!;
    const before = await server.node.ctx.store.pushes.maxMsgId();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => call(server, 'POST', '/v3/push', { body: push(cid, i) })));
    const ids = new Set(results.map((r) => (r.body as { msg_id: string }).msg_id));
    assert.equal(ids.size, 1);
    const [msgId] = [...ids];
    assert.ok(BigInt(msgId!) > before);
    assert.equal(await server.node.ctx.store.pushes.maxMsgId(), BigInt(msgId!));
  });

  test('a cid survives a restart', async () => {
    const cid = ((await call(server, 'GET', '/v3/push/cid')).body as { cidlist: string[] }).cidlist[0]!;
    const first = await call(server, 'POST', '/v3/push', { body: push(cid) });
    await server.restart();
    const again = await call(server, 'POST', '/v3/push', { body: push(cid) });
    assert.deepEqual(again.body, first.body);
  });

  test('a cid not issued to this app is refused with 1003', async () => {
    const other = await server.createApp('cid-other');
    const foreign = ((await call(server, 'GET', '/v3/push/cid', { auth: other })).body as { cidlist: string[] }).cidlist[0]!;
    const forged = `${server.app.appKey}-00000000-0000-4000-8000-000000000000`;
    const scheduleCid = ((await call(server, 'GET', '/v3/push/cid?type=schedule')).body as { cidlist: string[] }).cidlist[0]!;
    for (const cid of [foreign, forged, 'garbage', scheduleCid]) {
      const res = await call(server, 'POST', '/v3/push', { body: push(cid) });
      assert.equal(res.status, 400, cid);
      assert.equal(errorCode(res), 1003, cid);
    }
  });

  test('validate with a cid does not use it up', async () => {
    const cid = ((await call(server, 'GET', '/v3/push/cid')).body as { cidlist: string[] }).cidlist[0]!;
    const v = await call(server, 'POST', '/v3/push/validate', { body: push(cid) });
    assert.equal(v.status, 200);
    const real = await call(server, 'POST', '/v3/push', { body: push(cid) });
    assert.equal(real.status, 200);
    assert.ok(await server.node.ctx.store.pushes.get((real.body as { msg_id: string }).msg_id));
  });
});
