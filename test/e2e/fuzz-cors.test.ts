import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { mulberry32 } from '../helpers/prng.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Hostile preflights and cross-origin requests: odd origins, methods, header lists and paths.
 * Never a 5xx, and an origin that is not allowed is never echoed back.
 */

const ALLOWED = 'https://shop.example';
const ORIGINS = [ALLOWED, 'https://shop.example.evil', 'null', '', 'https://SHOP.example', 'javascript:alert(1)', 'x'.repeat(3000), '\t', 'https://shop.example/', 'file://'];
const METHODS = ['POST', 'GET', 'DELETE', 'PUT', 'PATCH', '', 'X'.repeat(200), 'post'];
const HEADERS = ['content-type', 'authorization', 'x-'.repeat(500), '', ',,,', 'content-type, x-evil', '\u00ff'];
const PATHS = ['/v1/devices/register', '/v1/webpush/vapid?app_key=x', '/v1/gateway', '/v1/', '/v1/%00', '/v1/../v3/push', '/v3/push', '/', '/v1/devices/register?' + 'a'.repeat(2000)];

function raw(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fuzz: CORS preflights never answer 5xx nor echo a foreign origin', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ cors: { origins: [ALLOWED] }, limits: { registrationsPerWindow: 0 } });
  });
  after(() => server.close());

  test('hundreds of hostile preflights and cross-origin requests', async () => {
    const rnd = mulberry32(12);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const port = Number(new URL(server.url).port);
    for (let i = 0; i < 400; i++) {
      const origin = pick(ORIGINS);
      const headers: Record<string, string> = {};
      if (origin !== '' && /^[\t\x20-\x7e]*$/.test(origin)) headers.origin = origin;
      if (rnd() < 0.8) headers['access-control-request-method'] = pick(METHODS).replace(/[^\x21-\x7e]/g, '');
      const list = pick(HEADERS);
      if (rnd() < 0.7 && /^[\x20-\x7e]*$/.test(list)) headers['access-control-request-headers'] = list;
      const method = rnd() < 0.7 ? 'OPTIONS' : pick(['GET', 'POST']);
      const path = pick(PATHS);
      let res;
      try {
        res = await raw(port, method, path, headers);
      } catch (err) {
        assert.fail(`${method} ${path} ${JSON.stringify(headers).slice(0, 200)}: ${(err as Error).message}`);
      }
      assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(headers).slice(0, 200)} -> ${res.status}`);
      const echoed = res.headers['access-control-allow-origin'];
      if (echoed !== undefined) assert.equal(echoed, ALLOWED, `${method} ${path} echoed ${String(echoed).slice(0, 80)}`);
      if (echoed !== undefined) assert.ok(path.startsWith('/v1/'), `CORS on ${path}`);
    }
  });
});
