import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { basic, startTestServer, type TestServer } from '../helpers/server.js';
import { hasOpenssl, makeCertificate } from '../helpers/tls.js';

describe('HTTPS with HTTP/2 when tls is configured', { skip: !hasOpenssl && 'openssl is needed to make a test certificate' }, () => {
  let server: TestServer;
  let dir: string;
  let ca: Buffer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-tls-'));
    const tls = makeCertificate(dir, ['localhost', '127.0.0.1']);
    ca = readFileSync(tls.cert);
    server = await startTestServer({ tls });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a push over an HTTP/2 stream', async () => {
    assert.match(server.url, /^https:/);
    const session = connect(server.url, { ca });
    try {
      const { status, body, protocol } = await new Promise<{ status: number; body: string; protocol: string | undefined }>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/v3/push',
          authorization: basic(server.app),
          'content-type': 'application/json',
        });
        let text = '';
        let status = 0;
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (d: Buffer) => (text += d.toString()));
        req.on('end', () => resolve({ status, body: text, protocol: session.alpnProtocol }));
        req.on('error', reject);
        req.end(JSON.stringify({ platform: 'all', audience: { alias: ['someone'] }, notification: { alert: 'over h2' } }));
      });
      assert.equal(protocol, 'h2');
      assert.equal(status, 200, body);
      assert.match((JSON.parse(body) as { msg_id: string }).msg_id, /^[0-9]+$/);
    } finally {
      session.close();
    }
  });

  test('devices reach the gateway over wss on the same port', async () => {
    const device = server.devices[0]!;
    const ws = new WebSocket(server.url.replace(/^https/, 'wss') + '/v1/gateway', { ca });
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: device.registrationId, device_secret: device.deviceSecret })));
      ws.on('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>));
      ws.on('error', reject);
    });
    ws.close();
    assert.equal(ready.t, 'ready');
    assert.equal(ready.registration_id, device.registrationId);
  });
});
