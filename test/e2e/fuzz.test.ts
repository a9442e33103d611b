import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PUSH_FUZZ_PATHS } from '../helpers/fuzz-targets.js';
import { mulberry32 } from '../helpers/prng.js';
import { basic, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Throws thousands of mutated push objects and garbage bodies at /v3/push and
 * /v3/push/validate: every answer must be a 2xx or a 4xx with an error code, never a 5xx,
 * the server must keep serving, and its heap must not grow with the traffic.
 */


type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const BASE: Json[] = [
  { platform: 'all', audience: 'all', notification: { alert: 'hi' } },
  {
    platform: ['android', 'ios'],
    audience: { tag: ['a', 'b'], tag_and: ['c'], alias: ['x'] },
    notification: { android: { alert: 'a', title: 't', builder_id: 1, extras: { k: 1 } }, ios: { alert: 'i', badge: '+1', sound: 'default' } },
    message: { msg_content: 'm', title: 't', content_type: 'text', extras: { a: 'b' } },
    options: { time_to_live: 60, apns_production: false, sendno: 5 },
  },
];

function loadExamples(): Json[] {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'spec-examples');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json);
}

const NASTY: Json[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'x'.repeat(5000), '\u0000', '😀'.repeat(100),
  '\ud800', [], [null], {}, { extras: { a: 1 } }, 'all', ['all'], ['android', 'android'], '{{content}}',
];
const KEYS = ['content_available', 'build_id', 'alert', 'extras', 'platform', 'audience', 'tag', 'x', '', '__proto__', 'constructor'];

function mutate(value: Json, rnd: () => number, depth = 0): Json {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  if (value !== null && typeof value === 'object' && rnd() < 0.7 && depth < 6) {
    if (Array.isArray(value)) {
      const copy = value.map((v) => (rnd() < 0.3 ? mutate(v, rnd, depth + 1) : v));
      const r = rnd();
      if (r < 0.2) copy.push(pick(NASTY));
      else if (r < 0.3) copy.splice(0, copy.length, ...Array.from({ length: 1001 }, (_, i) => `id${i}`));
      else if (r < 0.4) copy.pop();
      return copy;
    }
    const copy: { [k: string]: Json } = { ...value };
    const keys = Object.keys(copy);
    const r = rnd();
    if (r < 0.25 && keys.length > 0) delete copy[pick(keys)];
    else if (r < 0.4) copy[pick(KEYS)] = pick(NASTY);
    else if (keys.length > 0) {
      const k = pick(keys);
      copy[k] = mutate(copy[k]!, rnd, depth + 1);
    }
    return copy;
  }
  const r = rnd();
  if (r < 0.6) return pick(NASTY);
  if (r < 0.8 && typeof value === 'string') return value + pick(['\u00e9', 'x'.repeat(40), '#', '\u4e2d']);
  if (typeof value === 'number') return pick([value + 1, value - 1, -value, value * 1000, String(value)]);
  let deep: Json = 'leaf';
  for (let i = 0; i < 200; i++) deep = { a: deep };
  return deep;
}

function garbage(rnd: () => number): string {
  const r = rnd();
  const len = Math.floor(rnd() * 300);
  if (r < 0.3) return Array.from({ length: len }, () => String.fromCharCode(Math.floor(rnd() * 256))).join('');
  if (r < 0.6) {
    const s = JSON.stringify(BASE[1]);
    return s.slice(0, Math.floor(rnd() * s.length));
  }
  if (r < 0.8) return '['.repeat(len) + ']'.repeat(Math.floor(len / 2));
  return '{"platform":"all","audience":"all","notification":{"alert":"' + '\\u'.repeat(len % 7) + '"}}';
}

describe('fuzz: push endpoints never answer 5xx', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0, broadcastsPerDay: 0 } });
  });
  after(async () => {
    await server.close();
  });

  async function round(seed: number, count: number): Promise<Map<number, number>> {
    const rnd = mulberry32(seed);
    const seeds = [...BASE, ...loadExamples()];
    const statuses = new Map<number, number>();
    const auth = basic(server.app);
    const paths = PUSH_FUZZ_PATHS;
    const batch = 16;
    for (let i = 0; i < count; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, count - i) }, async (_, j) => {
          const n = i + j;
          const body = rnd() < 0.2 ? garbage(rnd) : JSON.stringify(mutate(seeds[n % seeds.length]!, rnd));
          const res = await fetch(server.url + paths[n % 2]!, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body,
          });
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          assert.ok(res.status < 500, `seed ${seed} #${n}: ${res.status} ${text}\nbody: ${body.slice(0, 500)}`);
          if (res.status >= 400) {
            const parsed = JSON.parse(text) as { error: { code: number; message: string } };
            assert.equal(typeof parsed.error.code, 'number', text);
            assert.equal(typeof parsed.error.message, 'string', text);
          } else {
            const parsed = JSON.parse(text) as { msg_id: string; sendno: string };
            assert.match(parsed.msg_id, /^[0-9]+$/);
          }
        }),
      );
    }
    return statuses;
  }

  test('thousands of mutated and garbage bodies; memory stays flat', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await round(1, 1500); // warm-up: JIT, caches, SQLite pages
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const statuses = await round(2, 3000);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const growthMb = (heapAfter - heapBefore) / 2 ** 20;
    assert.ok(growthMb < 16, `heap grew by ${growthMb.toFixed(1)} MiB over 3000 requests`);
    // both outcomes happen: the mutations are neither all fatal nor all harmless
    assert.ok((statuses.get(200) ?? 0) > 50, JSON.stringify([...statuses]));
    assert.ok((statuses.get(400) ?? 0) > 500, JSON.stringify([...statuses]));
    const health = await fetch(server.url + '/healthz');
    assert.equal(health.status, 200);
  });
});
