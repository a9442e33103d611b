import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatLocalDateTime } from '../../src/schedules/trigger.js';
import { mulberry32 } from '../helpers/prng.js';
import { runCli } from '../helpers/cli.js';
import { uploadLines } from '../helpers/multipart.js';
import { basic, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Hostile input for the schedule, file, group push and batch push APIs: garbage bodies,
 * mangled triggers and push objects, path segments, query strings, multipart bodies and
 * credentials. Every answer must be below 500 and an error must carry a JPush error body.
 */
const NASTY_SEGMENTS = ['', 'x', '%00', '%E4%B8', '..', 'a'.repeat(300), '深圳', '-1', '99999999999999999999999', 'null', '00000000-0000-4000-8000-000000000000', 'registration_id', 'alias'];
const NASTY_VALUES: unknown[] = [null, true, 0, -1, 1.5, Number.MAX_VALUE, 'x', '', [], {}, [null], ['MON'], ['32'], '\u0000', 'a'.repeat(300), { single: {} }, { periodical: [] }];
const TIMES = ['2026-02-30 00:00:00', '9999-12-31 23:59:59', '0000-00-00 00:00:00', '25:00:00', '12:00:00', 'x'];

describe('fuzz: schedule, file, group and batch APIs never answer 5xx', () => {
  let server: TestServer;
  let groupAuth: string;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 }, files: { maxFiles: 1000, maxBytes: 4096, requestsPerMinute: 0 }, schedules: { maxPerApp: 100_000, requestsPerMinute: 0 } });
    const made = runCli(['group', 'create', '--name', 'fuzz', '--apps', server.app.appKey, '--json', '--data', server.dataDir]);
    const g = JSON.parse(made.stdout) as { groupKey: string; masterSecret: string };
    groupAuth = 'Basic ' + Buffer.from(`group-${g.groupKey}:${g.masterSecret}`).toString('base64');
  });
  after(() => server.close());

  test('thousands of hostile requests', async () => {
    const rnd = mulberry32(16);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const future = () => formatLocalDateTime(Date.now() + Math.floor(rnd() * 400 * 86_400_000) - 86_400_000, 480);
    const trigger = (): unknown => {
      const r = rnd();
      if (r < 0.3) return { single: { time: rnd() < 0.7 ? future() : pick(TIMES) } };
      if (r < 0.7) {
        const p: Record<string, unknown> = {};
        for (const k of ['start', 'end', 'time', 'time_unit', 'frequency', 'point', 'x']) {
          if (rnd() < 0.8) p[k] = k === 'start' || k === 'end' ? future() : k === 'time' ? pick(TIMES) : k === 'time_unit' ? pick(['day', 'WEEK', 'month', 'year', 1]) : pick(NASTY_VALUES);
        }
        return { periodical: p };
      }
      return pick(NASTY_VALUES);
    };
    const push = (): unknown => {
      const r = rnd();
      if (r < 0.5) return { platform: 'all', audience: rnd() < 0.5 ? 'all' : { file: { file_id: pick(NASTY_SEGMENTS) } }, notification: { alert: 'x' } };
      if (r < 0.8) return { platform: pick(NASTY_VALUES), audience: pick(NASTY_VALUES), notification: pick(NASTY_VALUES), options: { override_msg_id: pick(NASTY_VALUES) } };
      return pick(NASTY_VALUES);
    };
    const bodies: Record<string, () => unknown> = {
      schedule: () => ({ name: pick(['n', '名字', 'bad name', '', 5]), enabled: pick([true, true, false, 'true']), trigger: trigger(), push: push(), cid: rnd() < 0.1 ? pick(NASTY_VALUES) : undefined }),
      update: () => Object.fromEntries(['name', 'enabled', 'trigger', 'push', 'x'].filter(() => rnd() < 0.4).map((k) => [k, k === 'trigger' ? trigger() : k === 'push' ? push() : pick(NASTY_VALUES)])),
      push: () => push(),
      batch: () => ({ pushlist: rnd() < 0.3 ? pick(NASTY_VALUES) : Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [`${server.app.appKey}-${pick(NASTY_SEGMENTS)}`, rnd() < 0.5 ? { platform: 'all', target: pick(NASTY_VALUES), notification: { alert: 'x' } } : pick(NASTY_VALUES)])) }),
    };
    // a real schedule id, so some requests reach a stored schedule
    const created = await fetch(`${server.url}/v3/schedules`, {
      method: 'POST',
      headers: { authorization: basic(server.app), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'real', enabled: true, trigger: { single: { time: formatLocalDateTime(Date.now() + 3_600_000, 480) } }, push: { platform: 'all', audience: 'all', notification: { alert: 'x' } } }),
    });
    const realId = ((await created.json()) as { schedule_id: string }).schedule_id;
    const seg = () => (rnd() < 0.3 ? realId : pick(NASTY_SEGMENTS));
    const templates: [string, () => string, keyof typeof bodies | null][] = [
      ['POST', () => '/v3/schedules', 'schedule'],
      ['GET', () => `/v3/schedules?page=${pick(NASTY_SEGMENTS)}`, null],
      ['GET', () => `/v3/schedules/${seg()}`, null],
      ['PUT', () => `/v3/schedules/${seg()}`, 'update'],
      ['DELETE', () => `/v3/schedules/${seg()}`, null],
      ['GET', () => `/v3/schedules/${seg()}/msg_ids`, null],
      ['GET', () => `/v3/files/${pick(NASTY_SEGMENTS)}`, null],
      ['DELETE', () => `/v3/files/${pick(NASTY_SEGMENTS)}`, null],
      ['POST', () => `/v3/files/${pick(NASTY_SEGMENTS)}`, 'push'],
      ['POST', () => '/v3/push/file', 'push'],
      ['POST', () => '/v3/grouppush', 'push'],
      ['POST', () => '/v3/grouppush/file', 'push'],
      ['POST', () => '/v3/push/batch/regid/single', 'batch'],
      ['POST', () => '/v3/push/batch/alias/single', 'batch'],
    ];
    const auths = [basic(server.app), basic(server.app), groupAuth, 'Basic Z3JvdXAtOnk=', 'Basic ' + Buffer.from('group-' + 'a'.repeat(24) + ':x').toString('base64'), 'Bearer x'];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1800; i += 12) {
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          const [method, path, kind] = pick(templates);
          const url = path();
          let body: string | undefined;
          if (kind !== null) body = rnd() < 0.15 ? '{"name":' + '['.repeat(Math.floor(rnd() * 40)) : JSON.stringify(bodies[kind]!());
          const res = await fetch(server.url + url, { method, headers: { authorization: pick(auths), 'content-type': 'application/json' }, body });
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          assert.ok(res.status < 500, `${method} ${url} ${body?.slice(0, 300)} -> ${res.status} ${text}`);
          if (res.status >= 400) {
            const parsed = JSON.parse(text) as { error?: { code?: unknown } };
            assert.equal(typeof parsed.error?.code, 'number', `${method} ${url} -> ${text}`);
          }
        }),
      );
    }
    assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
    assert.ok((statuses.get(200) ?? 0) > 10, JSON.stringify([...statuses]));
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
  });

  test('hostile multipart uploads', async () => {
    const rnd = mulberry32(61);
    const junk = () => Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => String.fromCharCode(Math.floor(rnd() * 0x3000))).join('');
    for (let i = 0; i < 60; i++) {
      const lines = Array.from({ length: Math.floor(rnd() * 50) }, () => (rnd() < 0.5 ? `id${Math.floor(rnd() * 1e6)}` : junk()));
      const contentType = rnd() < 0.2 ? pick(['multipart/form-data', 'multipart/form-data; boundary=', 'text/plain', 'multipart/form-data; boundary=zzz']) : undefined;
      const type = rnd() < 0.5 ? 'registration_id' : 'alias';
      const ttl = rnd() < 0.3 ? pick(['0', '1', '720', '721', 'x', '', '-5', '1e3']) : undefined;
      const res = await uploadLines(`${server.url}/v3/files/${type}`, rnd() < 0.8 ? server.app : groupAuth, lines, { ttl, contentType, fileName: junk() });
      assert.ok(res.status < 500, `${res.status} ${res.text}`);
      if (res.status >= 400) assert.equal(typeof (res.body as { error?: { code?: unknown } }).error?.code, 'number', res.text);
    }
    function pick<T>(xs: readonly T[]): T {
      return xs[Math.floor(rnd() * xs.length)]!;
    }
    // raw garbage in multipart framing
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/v3/files/registration_id`, {
        method: 'POST',
        headers: { authorization: basic(server.app), 'content-type': 'multipart/form-data; boundary=b' },
        body: '--b\r\n' + 'Content-Disposition: form-data; name="filename"; filename="x"\r\n'.slice(0, Math.floor(rnd() * 70)) + junk(),
      });
      const text = await res.text();
      assert.ok(res.status < 500, `${res.status} ${text}`);
    }
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
  });
});
