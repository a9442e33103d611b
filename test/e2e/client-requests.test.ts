/**
 * The requests JPush's official server SDKs really send, byte for byte, for the calls that
 * carry no body. All of them send a JSON Content-Type on DELETE: jpush-async with the text
 * `null` as body (its promise client) or an empty one (its callback client), the Python client
 * with `application/json;charset:utf-8` and `Content-Length: 0`. Such a request is routed first,
 * then answered as the route answers (200, 404, 405), never with a body error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawRequest, type RawResponse } from '../helpers/raw-http.js';
import { basic, call, startTestServer, type TestServer } from '../helpers/server.js';

/** The three shapes, as captured from the clients (host and credentials filled in). */
const SHAPES = {
  /** jpush-async 4.1, JPushAsync client (request-promise with `json: true` and `body: null`). */
  nodePromise: (path: string, auth: string) =>
    `DELETE ${path} HTTP/1.1\r\nhost: device.jpush.cn\r\nauthorization: ${auth}\r\naccept: application/json\r\n` +
    'content-type: application/json\r\ncontent-length: 4\r\nConnection: close\r\n\r\nnull',
  /** jpush-async 4.1, JPush callback client (request with default headers, no body). */
  nodeCallback: (path: string, auth: string) =>
    `DELETE ${path} HTTP/1.1\r\nUser-Agent: JPush-API-NodeJS-Client 4.1.0\r\nConnection: close\r\nCharset: UTF-8\r\n` +
    `Content-Type: application/json\r\nhost: device.jpush.cn\r\nauthorization: ${auth}\r\ncontent-length: 0\r\n\r\n`,
  /** jpush-api-python-client (requests; DELETE with no data gets Content-Length: 0). */
  python: (path: string, auth: string) =>
    `DELETE ${path} HTTP/1.1\r\nHost: device.jpush.cn\r\nuser-agent: jpush-api-python-client\r\nAccept-Encoding: gzip, deflate\r\n` +
    `Accept: */*\r\nconnection: close\r\ncontent-type: application/json;charset:utf-8\r\nContent-Length: 0\r\nAuthorization: ${auth}\r\n\r\n`,
};
type Shape = keyof typeof SHAPES;
const SHAPE_NAMES = Object.keys(SHAPES) as Shape[];

function assertEmpty200(res: RawResponse, what: string): void {
  assert.equal(res.status, 200, `${what}: ${res.body}`);
  assert.equal(res.body, '', what);
}

describe('DELETE and other bodiless requests as the official clients send them', () => {
  let server: TestServer;
  let auth: string;
  const send = (shape: Shape, path: string) => rawRequest(server.url, SHAPES[shape](path, auth));

  before(async () => {
    server = await startTestServer();
    auth = basic(server.app);
  });
  after(() => server.close());

  for (const shape of SHAPE_NAMES) {
    test(`${shape}: tag delete removes the tag from its devices (200, empty body)`, async () => {
      const tag = `del_${shape}`;
      const device = await server.registerDevice(server.app, { tags: [tag, 'keep'] });
      // jpush-async's promise client doubles the slash (its tag path ends in one); the others do not.
      const path = shape === 'nodePromise' ? `/v3/tags//${tag}` : shape === 'nodeCallback' ? `/v3/tags/${tag}/?platform=android` : `/v3/tags/${tag}?platform=android`;
      assertEmpty200(await send(shape, path), path);
      const stored = await server.node.ctx.registry.get(server.app.appKey, device.registrationId);
      assert.deepEqual(stored?.tags, ['keep']);
    });

    test(`${shape}: alias delete unbinds the alias (200, empty body)`, async () => {
      const alias = `al_${shape}`;
      const device = await server.registerDevice(server.app, { alias });
      const path = shape === 'python' ? `/v3/aliases/${alias}` : `/v3/aliases/${alias}/?platform=android`;
      assertEmpty200(await send(shape, path), path);
      const stored = await server.node.ctx.registry.get(server.app.appKey, device.registrationId);
      assert.equal(stored?.alias, null);
    });

    test(`${shape}: revoke of a push (200, empty body); of an unknown msg_id 400 / 1003`, async () => {
      const pushed = await call(server, 'POST', '/v3/push', {
        body: { platform: 'all', audience: { registration_id: [server.devices[0]!.registrationId] }, notification: { alert: 'r' } },
      });
      assert.equal(pushed.status, 200, pushed.text);
      const msgId = (pushed.body as { msg_id: string }).msg_id;
      assertEmpty200(await send(shape, `/v3/push/${msgId}`), 'revoke');
      const unknown = await send(shape, '/v3/push/12345');
      assert.equal(unknown.status, 400, unknown.body);
      assert.equal(unknown.code, 1003);
    });

    test(`${shape}: routing comes first: unknown path 404, POST-only path 405, without auth 401`, async () => {
      const missing = await send(shape, '/v3/nothing/here');
      assert.equal(missing.status, 404, missing.body);
      assert.equal(typeof missing.code, 'number');
      const wrongMethod = await send(shape, '/v3/push');
      assert.equal(wrongMethod.status, 405, wrongMethod.body);
      assert.equal(wrongMethod.code, 1001);
      const deviceWrong = await send(shape, '/v3/devices/status');
      assert.equal(deviceWrong.status, 405, deviceWrong.body);
      assert.equal(deviceWrong.code, 7002);
      const noAuth = await rawRequest(server.url, SHAPES[shape]('/v3/tags/x', 'Basic ' + Buffer.from('a:b').toString('base64')));
      assert.equal(noAuth.status, 401, noAuth.body);
    });
  }

  test('GET and HEAD with a JSON Content-Type and no body: answered by their route', async () => {
    const device = server.devices[0]!;
    for (const method of ['GET', 'HEAD']) {
      const res = await rawRequest(
        server.url,
        `${method} /v3/devices/${device.registrationId} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json;charset:utf-8\r\n` +
          `Content-Length: 0\r\nAuthorization: ${auth}\r\nconnection: close\r\n\r\n`,
      );
      assert.equal(res.status, 200, `${method}: ${res.body}`);
    }
  });

  test('an empty body on a POST route that takes none is the 405 of the route; an unknown POST path is 404', async () => {
    const headers = { 'content-type': 'application/json' };
    const received = await call(server, 'POST', '/v3/received?msg_ids=1', { raw: '', headers });
    assert.equal(received.status, 405, received.text);
    const unknown = await call(server, 'POST', '/v3/nothing', { raw: '', headers });
    assert.equal(unknown.status, 404, unknown.text);
    const unknownGarbage = await call(server, 'POST', '/v3/nothing', { raw: '{"broken', headers });
    assert.equal(unknownGarbage.status, 404, unknownGarbage.text);
  });

  test('an empty body where one is needed: the route says so in its own codes', async () => {
    const headers = { 'content-type': 'application/json' };
    const push = await call(server, 'POST', '/v3/push', { raw: '', headers });
    assert.deepEqual([push.status, (push.body as { error: { code: number } }).error.code], [400, 1002]);
    const device = await call(server, 'POST', '/v3/devices/status', { raw: '  \r\n', headers });
    assert.deepEqual([device.status, (device.body as { error: { code: number } }).error.code], [400, 7002]);
    const register = await call(server, 'POST', '/v1/devices/register', { raw: '', headers, auth: null });
    assert.deepEqual([register.status, (register.body as { error: { code: number } }).error.code], [400, 1002]);
  });
});
