/**
 * Hostile HTTP clients: deeply nested JSON, clients that trickle or stall, requests Node's
 * HTTP parser refuses, and one source address registering devices without end. Every answer
 * is a JPush error body with the documented status; the server keeps serving.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { awayFromWindowEdge } from '../helpers/rate-window.js';
import { parseResponse, rawExchange, rawRequest } from '../helpers/raw-http.js';
import { basic, call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';
import { hasOpenssl, makeCertificate } from '../helpers/tls.js';

function nested(depth: number, leaf = '"x"'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

describe('hostile bodies and requests Node refuses', () => {
  let server: TestServer;
  let auth: string;
  before(async () => {
    server = await startTestServer();
    auth = basic(server.app);
  });
  after(() => server.close());

  test('JSON nested 5,000 deep in extras: 400 / 1003 on push and validate, never 500', async () => {
    const body = `{"platform":"all","audience":"all","notification":{"android":{"alert":"hi","extras":${nested(5000)}}}}`;
    for (const path of ['/v3/push', '/v3/push/validate']) {
      const res = await call(server, 'POST', path, { raw: body, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.equal(errorCode(res), 1003);
      assert.match(res.text, /nested deeper than 64 levels/);
    }
    const arrays = await call(server, 'POST', '/v3/push', { raw: '['.repeat(100_000), headers: { 'content-type': 'application/json' } });
    assert.equal(arrays.status, 400);
    // The other APIs, in their own codes
    const device = await call(server, 'POST', '/v3/devices/status', { raw: `{"registration_ids":${'['.repeat(70)}${']'.repeat(70)}}` });
    assert.deepEqual([device.status, errorCode(device)], [400, 7002]);
    const register = await call(server, 'POST', '/v1/devices/register', { raw: nested(65), auth: null });
    assert.deepEqual([register.status, errorCode(register)], [400, 1003]);
  });

  test('extras as deep as the bound allows are still accepted; brackets inside strings do not count', async () => {
    // 6 levels of push object around extras
    const extras = nested(56, '"{[{[{[ not nesting \\" ]}]}]}"');
    const body = `{"platform":"all","audience":"all","notification":{"android":{"alert":"hi","extras":${extras}}}}`;
    const res = await call(server, 'POST', '/v3/push/validate', { raw: body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200, res.text);
  });

  test('oversized headers: 431 in the JPush error body', async () => {
    const res = await rawRequest(server.url, `GET /v3/tags HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(res.status, 431);
    assert.equal(res.code, 1003);
    assert.equal(res.headers['content-type'], 'application/json');
  });

  test('raw bytes outside ASCII in the URL or a header name, unknown methods, garbage: 400 JPush bodies', async () => {
    const cases: [string, Buffer][] = [
      ['url', Buffer.concat([Buffer.from('GET /v3/tags/'), Buffer.from([0xe4, 0xb8, 0xad]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')])],
      ['header name', Buffer.concat([Buffer.from('GET /v3/tags HTTP/1.1\r\nHost: x\r\nx-'), Buffer.from([0xff]), Buffer.from(': 1\r\n\r\n')])],
      ['method', Buffer.from('BREW /v3/push HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['garbage', Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n')],
      ['content-length twice', Buffer.from('POST /v3/push HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}')],
    ];
    for (const [what, bytes] of cases) {
      const res = await rawRequest(server.url, bytes);
      assert.equal(res.status, 400, `${what}: ${res.body}`);
      assert.equal(res.code, 1003, what);
    }
  });

  test('a malformed Content-Type or a body shorter than its Content-Length: 400 JPush bodies', async () => {
    const badType = await rawRequest(
      server.url,
      `POST /v3/push HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\ncontent-type: ;;;\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    assert.deepEqual([badType.status, badType.code], [400, 1003], badType.body);
    // a URL that cannot be percent-decoded
    const badUrl = await call(server, 'GET', '/v3/devices/%E4%B8');
    assert.equal(badUrl.status, 400, badUrl.text);
    assert.equal(typeof errorCode(badUrl), 'number');
    assert.equal((await fetch(server.url + '/healthz')).status, 200);
  });
});

describe('timeouts (configured small)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ http: { headersTimeoutMs: 500, requestTimeoutMs: 1500, idleTimeoutMs: 3000, keepAliveTimeoutMs: 1000 } });
  });
  after(() => server.close());

  /** Connects, runs `drive` on the socket, and resolves with what the server wrote and when it closed. */
  function watch(drive: (socket: net.Socket) => void, giveUpMs = 20_000): Promise<{ text: string; closedAfterMs: number }> {
    const { port } = new URL(server.url);
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(Number(port), '127.0.0.1', () => drive(socket));
      let text = '';
      const timer = setTimeout(() => socket.destroy(), giveUpMs);
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ text, closedAfterMs: Date.now() - started });
      });
    });
  }

  test('a client trickling its body is cut off with 408 once the request timeout passes', async () => {
    let timer: NodeJS.Timeout | undefined;
    const result = await watch((socket) => {
      socket.write(`POST /v3/push HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(server.app)}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      // one byte every 100 ms: never idle, never done
      timer = setInterval(() => socket.writable && socket.write(' '), 100);
    });
    clearInterval(timer);
    // the limit is 1.5 s; a loaded machine may take a few more before the check runs
    assert.ok(result.closedAfterMs < 15_000, `closed after ${result.closedAfterMs} ms`);
    assert.ok(result.closedAfterMs >= 1000, `closed after ${result.closedAfterMs} ms`);
    const res = parseResponse(result.text);
    assert.equal(res.status, 408, result.text);
    assert.equal(res.code, 1003);
  });

  test('a client trickling its headers is cut off', async () => {
    let timer: NodeJS.Timeout | undefined;
    const result = await watch((socket) => {
      socket.write('GET /v3/tags HTTP/1.1\r\nHost: x\r\n');
      timer = setInterval(() => socket.writable && socket.write('x-a: b\r\n'), 100);
    });
    clearInterval(timer);
    assert.ok(result.closedAfterMs < 15_000, `closed after ${result.closedAfterMs} ms`);
    assert.equal(parseResponse(result.text).status, 408, result.text);
  });

  test('a connection that sends nothing, or goes quiet after a request, is closed', async () => {
    const silent = await watch(() => undefined);
    assert.ok(silent.closedAfterMs < 15_000, `silent connection closed after ${silent.closedAfterMs} ms`);
    const afterRequest = await watch((socket) => socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`));
    assert.equal(parseResponse(afterRequest.text).status, 200);
    assert.ok(afterRequest.closedAfterMs < 15_000, `kept-alive connection closed after ${afterRequest.closedAfterMs} ms`);
  });

  test('ordinary requests are unaffected', async () => {
    const res = await call(server, 'POST', '/v3/push/validate', { body: { platform: 'all', audience: 'all', notification: { alert: 'x' } } });
    assert.equal(res.status, 200, res.text);
    const raw = await rawExchange(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(parseResponse(raw).status, 200);
  });
});

describe('device registrations per source address', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { registrationsPerAddress: 3, registrationsPerWindow: 100 } });
  });
  after(() => server.close());

  test('past the per-address limit: 429 / 2002, for every app; updates of a registered device still pass', async () => {
    const register = (body: unknown) => call(server, 'POST', '/v1/devices/register', { body, auth: null });
    await awayFromWindowEdge(60);
    const first = await register({ app_key: server.app.appKey, platform: 'android' });
    assert.equal(first.status, 200, first.text);
    for (let i = 0; i < 2; i++) assert.equal((await register({ app_key: server.app.appKey, platform: 'ios' })).status, 200);
    const refused = await register({ app_key: server.app.appKey, platform: 'android' });
    assert.deepEqual([refused.status, errorCode(refused)], [429, 2002], refused.text);
    assert.match(refused.text, /address/);
    // another app does not give the same address a fresh allowance
    const other = await server.createApp('other');
    const elsewhere = await register({ app_key: other.appKey, platform: 'android' });
    assert.deepEqual([elsewhere.status, errorCode(elsewhere)], [429, 2002]);
    // a device that already has credentials only refreshes its tokens
    const creds = first.body as { registration_id: string; device_secret: string };
    const update = await register({ app_key: server.app.appKey, platform: 'android', tokens: { fcm: 't' }, ...creds });
    assert.equal(update.status, 200, update.text);
  });
});

describe('a request that arrives while the node stops', () => {
  test('503 / 1030 in the JPush error body, connection closed', async () => {
    const server = await startTestServer();
    try {
      const { port } = new URL(server.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      // a request in progress keeps its connection open through the stop
      socket.write('GET /v3/tags HTTP/1.1\r\nHost: x\r\n');
      const stopping = server.node.stop();
      const deadline = Date.now() + 15_000;
      while (server.node.http.server.listening && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      socket.write('\r\n');
      await closed;
      const res = parseResponse(text);
      assert.equal(res.status, 503, text);
      assert.equal(res.code, 1030);
      assert.equal(res.headers.connection, 'close');
      await stopping;
    } finally {
      await server.close();
    }
  });
});

describe('timeouts over TLS (HTTP/1.1 beside HTTP/2)', { skip: !hasOpenssl && 'openssl is needed to make a test certificate' }, () => {
  test('a client trickling its body over HTTP/1.1 on TLS is cut off with 408', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'borealis-tls-timeout-'));
    const cert = makeCertificate(dir, ['localhost', '127.0.0.1']);
    const server = await startTestServer({ tls: cert, http: { headersTimeoutMs: 500, requestTimeoutMs: 1500 } });
    try {
      const started = Date.now();
      const socket = tls.connect({ port: Number(new URL(server.url).port), host: '127.0.0.1', ca: readFileSync(cert.cert), servername: 'localhost', ALPNProtocols: ['http/1.1'] });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('secureConnect', () => socket.write('POST /v3/push HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{'));
      const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
      const giveUp = setTimeout(() => socket.destroy(), 20_000);
      await new Promise((resolve) => socket.on('close', resolve));
      clearInterval(trickle);
      clearTimeout(giveUp);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 15_000, `closed after ${elapsed} ms`);
      const res = parseResponse(text);
      assert.deepEqual([res.status, res.code], [408, 1003], text);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
