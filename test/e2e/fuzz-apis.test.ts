import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiFuzzTemplates } from '../helpers/fuzz-targets.js';
import { mulberry32 } from '../helpers/prng.js';
import { basic, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Hostile input for every API besides push objects (which fuzz.test.ts covers): garbage
 * bodies, path parameters and query strings against every other route (the templates of
 * helpers/fuzz-targets.ts). Every answer must be below 500 and carry an error body when it is an error.
 */

const NASTY_VALUES: unknown[] = [null, true, 0, -1, Number.MAX_VALUE, 'x', '', [], {}, [null], ['a'.repeat(50)], Array.from({ length: 1001 }, (_, i) => `r${i}`), { add: 'x' }, { add: [1, 2] }, { remove: [{}] }, '\u0000'];

describe('fuzz: the other APIs never answer 5xx', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0, registrationsPerWindow: 0, registrationsPerAddress: 0 } });
  });
  after(() => server.close());

  test('thousands of hostile requests', async () => {
    const rnd = mulberry32(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const templates = apiFuzzTemplates(rnd, server.devices[0]!.registrationId);
    const auth = basic(server.app);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2400; i += 12) {
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          const [method, path] = pick(templates);
          const url = path();
          let body: string | undefined;
          if (method !== 'GET' && method !== 'DELETE') {
            const r = rnd();
            if (r < 0.2) body = '{"tags":' + '['.repeat(Math.floor(rnd() * 50));
            else if (r < 0.6) {
              const obj: Record<string, unknown> = {};
              for (const k of ['tags', 'alias', 'mobile', 'registration_ids', 'msg_id', 'app_key', 'platform', 'tokens', 'date', 'x']) {
                if (rnd() < 0.4) obj[k] = pick(NASTY_VALUES);
              }
              if (rnd() < 0.3) obj.app_key = server.app.appKey;
              body = JSON.stringify(obj);
            } else body = JSON.stringify(pick(NASTY_VALUES));
          }
          const res = await fetch(server.url + url, {
            method,
            headers: { authorization: auth, 'content-type': 'application/json' },
            body,
          });
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          assert.ok(res.status < 500, `${method} ${url} ${body?.slice(0, 200)} -> ${res.status} ${text}`);
          if (res.status >= 400) {
            const parsed = JSON.parse(text) as { error?: { code?: unknown }; Code?: unknown; RequestId?: unknown };
            if (/^\/v1\/(sent|broadcast|user\/|material|rules|retract|token|template|trace)/.test(url)) {
              // the UMS API answers {"code","message"}; a URL the router refuses (404, too long) gets the server's own body
              const code = (parsed as { code?: unknown }).code ?? parsed.error?.code;
              assert.equal(typeof code, 'number', `${method} ${url} -> ${text}`);
            } else if (url.startsWith('/?')) {
              // the EMAS OpenAPI answers in its own error body
              assert.ok(typeof parsed.Code === 'string' && typeof parsed.RequestId === 'string', `${method} ${url} -> ${text}`);
            } else {
              assert.equal(typeof parsed.error?.code, 'number', `${method} ${url} -> ${text}`);
            }
          }
        }),
      );
    }
    assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
  });
});
