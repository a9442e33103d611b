import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mulberry32 } from '../helpers/prng.js';
import { basic, call, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Hostile input for the segment, A/B test and users APIs (the pattern of fuzz-apis.test.ts):
 * garbage bodies, ids and query strings. Every answer must be below 500 and carry an error body
 * when it is an error; the server stays healthy.
 */

const NASTY_IDS = ['', 'x', '%00', '%E4%B8', '..', 'a'.repeat(300), '0123456789abcdef', '0123456789ABCDEF', '-1', 'null', '%F0%9F%98%80', '__proto__'];
const NASTY_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, 'x', '', 'all', [], {}, [null], ['s'], ['bad tag'], ['a'.repeat(50)], Array.from({ length: 30 }, (_, i) => `t${i}`), ['android', 'web'], '\u0000', { name: 'a', percent: 50 }];
const NASTY_QUERY = ['', 'DAY', 'HOUR', 'MONTH', 'day', 'x', '2024-01-01', '2024-13-01', '2024-01-01 25', '2024-01', '0', '61', '-1', '1e3', '%00', 'a'.repeat(200)];

describe('fuzz: segments, A/B tests and users never answer 5xx', () => {
  let server: TestServer;
  let segmentId: string;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 } });
    const res = await call(server, 'POST', '/v3/segments', { body: { name: 'base', platform: 'all' } });
    segmentId = (res.body as { segment_id: string }).segment_id;
  });
  after(() => server.close());

  test('thousands of hostile requests', async () => {
    const rnd = mulberry32(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const id = () => (rnd() < 0.3 ? segmentId : pick(NASTY_IDS));
    const templates: [string, () => string][] = [
      ['POST', () => '/v3/segments'],
      ['GET', () => '/v3/segments'],
      ['GET', () => `/v3/segments/${id()}`],
      ['PUT', () => `/v3/segments/${id()}`],
      ['DELETE', () => `/v3/segments/${pick(NASTY_IDS)}`],
      ['POST', () => '/v3/abtests'],
      ['GET', () => `/v3/abtests/${id()}`],
      ['DELETE', () => `/v3/abtests/${pick(NASTY_IDS)}`],
      ['GET', () => `/v3/users?time_unit=${pick(NASTY_QUERY)}&start=${pick(NASTY_QUERY)}&duration=${pick(NASTY_QUERY)}`],
      ['POST', () => '/v3/push'],
    ];
    const auth = basic(server.app);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1800; i += 12) {
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          const [method, path] = pick(templates);
          const url = path();
          let body: string | undefined;
          if (method === 'POST' && url === '/v3/push') {
            const audience = rnd() < 0.5 ? { segment: [id()] } : { abtest: [`${id()}${rnd() < 0.5 ? ':' + pick(NASTY_IDS) : ''}`] };
            body = JSON.stringify({ platform: 'all', audience, notification: { alert: 'x' } });
          } else if (method === 'POST' || method === 'PUT') {
            const r = rnd();
            if (r < 0.15) body = '{"name":' + '['.repeat(Math.floor(rnd() * 50));
            else if (r < 0.75) {
              const obj: Record<string, unknown> = {};
              for (const k of ['name', 'tag', 'tag_and', 'tag_not', 'platform', 'active_days', 'segment_id', 'groups', 'x']) {
                if (rnd() < 0.5) obj[k] = pick(NASTY_VALUES);
              }
              if (rnd() < 0.5) obj.name = 'n';
              if (rnd() < 0.3) obj.groups = [{ name: pick(['a', '', 'b c']), percent: pick([50, 0, 101, 'x']) }, pick(NASTY_VALUES)];
              body = JSON.stringify(obj);
            } else body = JSON.stringify(pick(NASTY_VALUES));
          }
          const res = await fetch(server.url + url, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body });
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          assert.ok(res.status < 500, `${method} ${url} ${body?.slice(0, 200)} -> ${res.status} ${text}`);
          if (res.status >= 400) {
            const parsed = JSON.parse(text) as { error?: { code?: unknown } };
            assert.equal(typeof parsed.error?.code, 'number', `${method} ${url} -> ${text}`);
          }
        }),
      );
    }
    assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
  });
});
