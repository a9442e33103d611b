import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startClient, type TestClient } from '../helpers/devices.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

type Item = { time: string } & Record<'android' | 'ios' | 'hmos' | 'quickapp', { new: number; online: number; active: number }>;

describe('GET /v3/users', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const users = async (query: string, auth = server.app) => call(server, 'GET', `/v3/users?${query}`, { auth });

  before(async () => {
    server = await startTestServer();
    // the app's default devices: one android, one ios, neither connected
    for (const platform of ['android', 'android', 'ios'] as const) clients.push(await startClient(server, server.app, { platform }));
    await server.registerDevice(server.app, { platform: 'hmos' });
    const other = await server.createApp('other');
    clients.push(await startClient(server, other, { platform: 'android' }));
    // stopping saves the activity seen so far
    await server.restart();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });

  test('new and online devices per day, per platform, for this app only', async () => {
    const res = await users(`time_unit=DAY&start=${today}&duration=1`);
    assert.equal(res.status, 200, res.text);
    const body = res.body as { time_unit: string; start: string; duration: number; items: Item[] };
    assert.equal(body.time_unit, 'DAY');
    assert.equal(body.start, today);
    assert.equal(body.duration, 1);
    const [day] = body.items;
    assert.equal(day!.time, today);
    assert.deepEqual(day!.android, { new: 3, online: 2, active: 2 });
    assert.deepEqual(day!.ios, { new: 2, online: 1, active: 1 });
    assert.deepEqual(day!.hmos, { new: 1, online: 0, active: 0 });
    assert.deepEqual(day!.quickapp, { new: 0, online: 0, active: 0 });
  });

  test('hours and months, and periods with nothing', async () => {
    const now = new Date();
    const hour = `${today} ${now.toISOString().slice(11, 13)}`;
    const h = await users(`time_unit=hour&start=${encodeURIComponent(hour)}&duration=1`);
    assert.equal(h.status, 200, h.text);
    const hourItem = (h.body as { items: Item[] }).items[0]!;
    // a connection that began just before the hour turned may sit in the previous hour
    assert.ok(hourItem.android.online <= 2 && hourItem.android.new <= 3, h.text);
    const m = await users(`time_unit=MONTH&start=${today.slice(0, 7)}&duration=1`);
    assert.equal((m.body as { items: Item[] }).items[0]!.android.online, 2, m.text);
    const past = await users('time_unit=DAY&start=2024-02-28&duration=3');
    const items = (past.body as { items: Item[] }).items;
    assert.deepEqual(items.map((i) => i.time), ['2024-02-28', '2024-02-29', '2024-03-01']);
    for (const i of items) assert.deepEqual(i.android, { new: 0, online: 0, active: 0 });
  });

  test('bad queries get the Report API codes', async () => {
    const cases: [string, number][] = [
      ['time_unit=DAY&start=2024-01&duration=1', 3004],
      ['time_unit=MONTH&start=2024-01-01&duration=1', 3004],
      ['time_unit=DAY&start=2024-01-01&duration=61', 3005],
      ['time_unit=MONTH&start=2024-01&duration=3', 3005],
      ['time_unit=WEEK&start=2024-01-01&duration=1', 3003],
      ['time_unit=DAY&start=2024-02-30&duration=1', 3003],
      ['time_unit=DAY&start=2024-01-01&duration=0', 3003],
      ['time_unit=DAY&start=2024-01-01', 3003],
      ['time_unit=HOUR&start=2024-01-01%2010&duration=1', 3003],
      ['start=2024-01-01&duration=1', 3003],
    ];
    for (const [query, code] of cases) {
      const res = await users(query);
      assert.equal(errorCode(res), code, `${query} -> ${res.text}`);
      assert.equal(res.status, 400);
    }
    const unauth = await users(`time_unit=DAY&start=${today}&duration=1`, { appKey: server.app.appKey, masterSecret: 'wrong' });
    assert.equal(unauth.status, 401);
    assert.equal(errorCode(unauth), 3001);
  });
});
