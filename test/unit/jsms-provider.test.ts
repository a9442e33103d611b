import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JsmsProvider } from '../../src/channels/sms/jsms-provider.js';
import { FakeSmsServer } from '../fakes/sms-server.js';

describe('JSMS provider against the fake gateway', () => {
  let gateway: FakeSmsServer;
  before(async () => {
    gateway = await FakeSmsServer.start('k1', 's1');
  });
  after(() => gateway.close());

  const provider = (secret = 's1', endpoint?: string) => new JsmsProvider({ endpoint: endpoint ?? gateway.url + '/', key: 'k1', secret, timeoutMs: 2000 });

  test('a templated message goes out as JSMS expects and answers with the gateway msg_id', async () => {
    const result = await provider().send({ mobile: '13900000000', templateId: 12, params: { code: '9' }, signId: 4 });
    assert.equal(result.ok, true);
    assert.deepEqual(gateway.messages.at(-1), { mobile: '13900000000', temp_id: 12, temp_para: { code: '9' }, sign_id: 4, at: gateway.messages.at(-1)!.at });
  });

  test('refusals carry the gateway code; transport failures code 0; it never throws', async () => {
    assert.deepEqual(await provider('wrong').send({ mobile: '13900000000', templateId: 1 }), { ok: false, code: 50002, message: 'auth failed' });
    assert.deepEqual(await provider().send({ mobile: '123', templateId: 1 }), { ok: false, code: 50006, message: 'invalid mobile' });
    const down = await provider('s1', 'http://127.0.0.1:1').send({ mobile: '13900000000', templateId: 1 });
    assert.equal(down.ok, false);
    assert.equal(!down.ok && down.code, 0);
    const wrongPath = await provider('s1', gateway.url + '/elsewhere').send({ mobile: '13900000000', templateId: 1 });
    assert.equal(wrongPath.ok, false);
  });
});
