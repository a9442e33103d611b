import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { FakeMeizu } from '../fakes/meizu-server.js';
import { FakeOppo } from '../fakes/oppo-server.js';
import { FakeVivo } from '../fakes/vivo-server.js';
import { FakeXiaomi } from '../fakes/xiaomi-server.js';
import { until } from '../helpers/apns.js';
import { pushOk, registerWithTokens, relayDone as settled } from '../helpers/relay-e2e.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Xiaomi, OPPO, vivo and Meizu channels inside a running server: pushes in over the JPush
 * API, through routing and the relay queue to each vendor's fake, dead tokens removed, and the
 * fakes' receipts back through the server's receipt endpoint into /v3/messages/detail. The
 * vendors reach the server through a forwarder, as they would through a public URL.
 */
describe('Xiaomi, OPPO, vivo and Meizu through the relay (server, fakes, receipts)', () => {
  let server: TestServer;
  let xiaomi: FakeXiaomi;
  let oppo: FakeOppo;
  let vivo: FakeVivo;
  let meizu: FakeMeizu;
  let forwarder: Server;

  const device = (tokens: Record<string, string>) => registerWithTokens(server, 'android', tokens);

  const push = (body: Record<string, unknown>) => pushOk(server, body);

  const relayDone = (msgId: string) => settled(server, msgId);

  before(async () => {
    [xiaomi, oppo, vivo, meizu] = await Promise.all([FakeXiaomi.start(), FakeOppo.start(), FakeVivo.start(), FakeMeizu.start()]);
    xiaomi.addApp('mi-secret', 'com.example.app');
    oppo.addApp('oppo-key', 'oppo-master');
    vivo.addApp('10004', 'vivo-key', 'vivo-secret');
    meizu.addApp('110000', 'mz-secret');
    // the public receipt URL: a forwarder to the server, started before the server knows its port
    let target = '';
    forwarder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body: Buffer.concat(chunks) }).then(
          async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await r.arrayBuffer())),
          () => res.writeHead(502).end(),
        );
      });
    });
    await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
    const c = DEFAULT_CONFIG.channels;
    server = await startTestServer({
      channels: {
        ...c,
        receiptBaseUrl: `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}`,
        xiaomi: { ...c.xiaomi, endpoint: xiaomi.url },
        oppo: { ...c.oppo, endpoint: oppo.url },
        vivo: { ...c.vivo, endpoint: vivo.url },
        meizu: { ...c.meizu, endpoint: meizu.url },
        relay: { ...c.relay, pollMs: 30, retryBaseMs: 100, retryMaxMs: 400 },
      },
    });
    target = server.url;
    const creds = server.node.ctx.credentials;
    await creds.set(server.app.appKey, 'xiaomi', { appSecret: 'mi-secret', package: 'com.example.app' });
    await creds.set(server.app.appKey, 'oppo', { appKey: 'oppo-key', masterSecret: 'oppo-master' });
    await creds.set(server.app.appKey, 'vivo', { appId: '10004', appKey: 'vivo-key', appSecret: 'vivo-secret' });
    await creds.set(server.app.appKey, 'meizu', { appId: '110000', appSecret: 'mz-secret' });
  });

  after(async () => {
    await server.close();
    forwarder.closeAllConnections();
    await new Promise((resolve) => forwarder.close(resolve));
    await Promise.all([xiaomi.close(), oppo.close(), vivo.close(), meizu.close()]);
  });

  test('one push reaches each phone through its vendor with the vendor fields; a dead token is removed', async () => {
    const mi = await device({ xiaomi: 'mi-reg-1' });
    const miDead = await device({ xiaomi: 'mi-reg-dead' });
    const op = await device({ oppo: 'CN_oppo1' });
    const vv = await device({ vivo: 'vivo1' });
    const mz = await device({ meizu: 'mz1' });
    xiaomi.tokenModes.set('mi-reg-dead', 'dead');
    const msgId = await push({
      audience: { registration_id: [mi, miDead, op, vv, mz] },
      notification: { android: { alert: 'Parcel arriving', title: 'Delivery', intent: { url: 'https://shop.example/track' }, large_icon: 'https://img.example/i.png' } },
      options: { classification: 1, third_party_channel: { xiaomi: { channel_id: 'mi-orders' }, oppo: { channel_id: 'op-orders', category: 'ORDER' }, vivo: { category: 'ORDER' } } },
    });
    await relayDone(msgId);
    const miSend = xiaomi.sends.find((s) => s.form['extra.callback.param'] === msgId)!;
    assert.deepEqual(miSend.regIds.sort(), ['mi-reg-1', 'mi-reg-dead']);
    assert.deepEqual([miSend.form.title, miSend.form.description, miSend.form['extra.channel_id'], miSend.form['extra.web_uri']], ['Delivery', 'Parcel arriving', 'mi-orders', 'https://shop.example/track']);
    const opSend = oppo.sends.find((s) => s.messages[0]!.notification.app_message_id === msgId)!;
    assert.deepEqual([opSend.messages[0]!.target_value, opSend.messages[0]!.notification.channel_id, opSend.messages[0]!.notification.category], ['CN_oppo1', 'op-orders', 'ORDER']);
    const vvSend = vivo.sends.find((s) => (s.body.clientCustomMap as Record<string, string>).msg_id === msgId)!;
    assert.deepEqual([vvSend.regIds, vvSend.body.classification, vvSend.body.skipType], [['vivo1'], 1, 2]);
    const mzSend = meizu.sends.find((s) => (s.message.clickTypeInfo as { parameters: Record<string, string> }).parameters.msg_id === msgId)!;
    assert.deepEqual(mzSend.pushIds, ['mz1']);
    // the dead Xiaomi regId is gone from its device; the others keep theirs
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, miDead))?.tokens.xiaomi, undefined);
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, mi))?.tokens.xiaomi, 'mi-reg-1');
    // the per-device trace names what Xiaomi could not carry
    const trace = await call(server, 'GET', `/v3/status/message/${msgId}/${mi}`);
    const answers = (trace.body as { vendor_answers?: { channel: string; notes?: string[] }[] }).vendor_answers ?? [];
    assert.ok(answers.some((a) => a.channel === 'xiaomi' && a.notes?.includes('notification.android.large_icon is not carried by xiaomi')), trace.text);

    // receipts: Xiaomi delivered + clicked, OPPO arrived, vivo delivered, Meizu delivered, through the server's endpoint
    assert.equal((await xiaomi.sendReceipts(miSend, 1, ['mi-reg-1'])).status, 200);
    assert.equal((await xiaomi.sendReceipts(miSend, 2, ['mi-reg-1'])).status, 200);
    assert.equal((await oppo.sendReceipts(opSend, 'push_arrive')).status, 200);
    assert.equal((await vivo.sendReceipt(vvSend)).status, 200);
    assert.equal((await meizu.sendReceipts(mzSend, 1)).status, 200);
    type Figures = { received: number | null; click: number | null };
    await until(async () => {
      const detail = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
      const sub = (detail.body as { details: { notification: { sub_android: Record<string, Figures> } } }[])[0]?.details.notification.sub_android;
      return sub?.xiaomi?.received === 1 && sub.xiaomi.click === 1 && sub.oppo?.received === 1 && sub.vivo?.received === 1 && sub.meizu?.received === 1;
    }, 'vendor receipts in /v3/messages/detail');
    // a receipt with a forged URL token is refused by the server
    const forged = { ...miSend, form: { ...miSend.form, 'extra.callback': miSend.form['extra.callback']!.replace(/t=[\w-]+/, `t=${'Z'.repeat(22)}`) } };
    assert.equal((await xiaomi.sendReceipts(forged, 2)).status, 401);
  });
});
