import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { FakeHmos } from '../fakes/hmos-server.js';
import { FakeHonor } from '../fakes/honor-server.js';
import { FakeHms } from '../fakes/huawei-server.js';
import { until } from '../helpers/apns.js';
import { pushOk, registerWithTokens } from '../helpers/relay-e2e.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

/** Accept -> relay queue -> router -> Huawei / HarmonyOS / Honor channel -> fake, and the vendors' receipts back. */
describe('relay to Huawei HMS, HarmonyOS and Honor, with receipts', () => {
  let server: TestServer;
  let hms: FakeHms;
  let hmos: FakeHmos;
  let honor: FakeHonor;
  const auth = { user: 'cb-user', key: 'cb-key-of-the-app' };

  const device = (platform: string, tokens: Record<string, unknown>) => registerWithTokens(server, platform, tokens);

  const push = (body: Record<string, unknown>) => pushOk(server, body);

  async function detail(msgId: string): Promise<Record<string, Record<string, Record<string, Record<string, unknown>>>>> {
    const res = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
    assert.equal(res.status, 200, res.text);
    return (res.body as { details: Record<string, Record<string, Record<string, Record<string, unknown>>>> }[])[0]!.details;
  }

  const receiptUrl = (channel: string) => `${server.url}/v1/vendors/${channel}/receipts/${server.app.appKey}`;

  before(async () => {
    [hms, hmos, honor] = await Promise.all([FakeHms.start(), FakeHmos.start(), FakeHonor.start()]);
    server = await startTestServer({
      channels: {
        ...DEFAULT_CONFIG.channels,
        huawei: { ...DEFAULT_CONFIG.channels.huawei, endpoint: hms.url, tokenEndpoint: hms.tokenEndpoint },
        hmos: { ...DEFAULT_CONFIG.channels.hmos, endpoint: hmos.url },
        honor: { ...DEFAULT_CONFIG.channels.honor, endpoint: honor.url, tokenEndpoint: honor.tokenEndpoint },
        relay: { ...DEFAULT_CONFIG.channels.relay, pollMs: 50, retryBaseMs: 100, retryMaxMs: 400 },
      },
    });
    const callback = { callbackUser: auth.user, callbackKey: auth.key };
    await server.node.ctx.credentials.set(server.app.appKey, 'huawei', { ...hms.createApp(), ...callback });
    await server.node.ctx.credentials.set(server.app.appKey, 'hmos', { ...hmos.createServiceAccount(), ...callback });
    await server.node.ctx.credentials.set(server.app.appKey, 'honor', { ...honor.createApp(), ...callback });
  });

  after(async () => {
    await server.close();
    await Promise.all([hms.close(), hmos.close(), honor.close()]);
  });

  test('a push to offline devices of the three vendors reaches each through its own channel with its fields', async () => {
    const hw = await device('android', { huawei: 'hw-token-1' });
    const ho = await device('android', { honor: 'ho-token-1' });
    const hm = await device('hmos', { hmos: 'hm-token-1' });
    const msgId = await push({
      audience: { registration_id: [hw, ho, hm] },
      notification: { android: { alert: 'to phones', title: 'T' }, hmos: { alert: 'to harmony', category: 'IM' } },
      options: { third_party_channel: { huawei: { distribution: 'ospush', importance: 'NORMAL', channel_id: 'chan-hw' }, honor: { distribution: 'ospush' } } },
    });
    await until(
      () => hms.sends.length === 1 && honor.sends.length === 1 && hmos.sends.length === 1,
      () => `one request to each vendor (HMS ${hms.sends.length}, Honor ${honor.sends.length}, HarmonyOS ${hmos.sends.length})`,
    );
    const m = hms.sends[0]!.body.message;
    assert.deepEqual(m.token, ['hw-token-1']);
    assert.equal(m.android!.bi_tag, msgId);
    assert.equal((m.android!.notification as Record<string, unknown>).channel_id, 'chan-hw');
    assert.equal((m.android!.notification as Record<string, unknown>).importance, 'NORMAL');
    assert.deepEqual(honor.sends[0]!.body.token, ['ho-token-1']);
    assert.equal(honor.sends[0]!.body.android!.biTag, msgId);
    assert.equal(hmos.sends[0]!.pushType, 0);
    assert.equal((hmos.sends[0]!.body.payload.notification as Record<string, unknown>).body, 'to harmony');
    assert.equal(hmos.sends[0]!.body.pushOptions!.biTag, msgId);

    // receipts from each vendor: received and a dead token
    assert.equal((await hms.postReceipts(receiptUrl('huawei'), [{ token: 'hw-token-1', biTag: msgId, result: 0 }], auth)).status, 200);
    assert.equal((await hmos.postReceipts(receiptUrl('hmos'), [{ token: 'hm-token-1', biTag: msgId, result: 0 }], auth)).status, 200);
    assert.equal((await honor.postReceipts(receiptUrl('honor'), [{ token: 'ho-token-1', biTag: msgId, result: 2 }], auth)).status, 200);
    await until(async () => {
      const d = await detail(msgId);
      return d.notification?.sub_android?.huawei?.received === 1 && d.notification?.sub_hmos?.hmpns?.received === 1;
    }, 'receipts in the message detail');
    await until(async () => (await server.node.ctx.registry.get(server.app.appKey, ho))?.tokens.honor === undefined, 'the Honor token a receipt called dead removed');
    // a receipt with a wrong signature changes nothing
    const forged = await hms.postReceipts(receiptUrl('huawei'), [{ token: 'hw-token-1', biTag: msgId, result: 2 }], { ...auth, key: 'guessed' });
    assert.equal(forged.status, 401);
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, hw))?.tokens.huawei, 'hw-token-1');
  });

  test('dead tokens inside a successful HMS answer and HarmonyOS partial answers are removed from their devices', async () => {
    hms.tokenModes.set('hw-dead', { kind: 'illegal' });
    hmos.tokenModes.set('hm-dead', { kind: 'illegal', reason: 'tokenFormatError' });
    const hwOk = await device('android', { huawei: 'hw-ok' });
    const hwDead = await device('android', { huawei: 'hw-dead' });
    const hmDead = await device('hmos', { hmos: 'hm-dead' });
    await push({
      audience: { registration_id: [hwOk, hwDead, hmDead] },
      notification: { alert: 'prune', hmos: { alert: 'prune', category: 'IM' } },
      options: { third_party_channel: { huawei: { distribution: 'ospush' } } },
    });
    await until(async () => (await server.node.ctx.registry.get(server.app.appKey, hwDead))?.tokens.huawei === undefined, 'the HMS token removed');
    await until(async () => (await server.node.ctx.registry.get(server.app.appKey, hmDead))?.tokens.hmos === undefined, 'the HarmonyOS token removed');
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, hwOk))?.tokens.huawei, 'hw-ok');
  });
});
