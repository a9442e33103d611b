import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createAlipayLifeChannel } from '../../src/messaging/alipay_life/index.js';
import { alipayTimestamp, rawMember, signingString } from '../../src/messaging/alipay_life/signing.js';
import type { MessagingChannel } from '../../src/messaging/types.js';
import { FakeAlipay, type AlipayAppCredentials } from '../fakes/alipay-server.js';

// the reference's example
const MESSAGE = {
  template_id: 'e5326c1d5c71419893646ad9571a93e8',
  context: {
    head_color: '#85be53',
    url: 'http://www.baidu.com',
    action_name: '查看详情',
    keyword1: { color: '#85be53', value: '你已经激活了上火星指令' },
    keyword2: { color: '#85be53', value: '2020 09-29' },
    first: { color: '#85be53', value: 'HI.真的 已经激活了指令' },
    remark: { color: '#85be53', value: '指令已经通过' },
  },
};
const USER_ID = '2088102122458832';
const OPEN_ID = '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5';

describe('Alipay life account channel against the fake Alipay gateway (real HTTP, RSA2 both ways)', () => {
  let fake: FakeAlipay;
  let channel: MessagingChannel;
  let app: AlipayAppCredentials;

  before(async () => {
    fake = await FakeAlipay.start();
    app = fake.createApp();
  });
  after(() => fake.close());
  beforeEach(async () => {
    await channel?.close();
    channel = createAlipayLifeChannel({ endpoint: fake.url, timeoutMs: 5000, concurrency: 4 });
    fake.sends.length = 0;
    fake.modes.clear();
    fake.requests = 0;
  });

  test('a template message is signed, accepted and verified; user ids and OpenIDs address it', async () => {
    assert.equal(channel.validate(MESSAGE), undefined);
    const results = await channel.send(MESSAGE, [{ address: USER_ID }, { address: OPEN_ID }], app);
    assert.deepEqual(results, [{ kind: 'submitted' }, { kind: 'submitted' }]);
    assert.equal(fake.sends.length, 2);
    const byUser = fake.sends.find((s) => s.biz.to_user_id === USER_ID)!;
    assert.deepEqual(byUser.biz, { to_user_id: USER_ID, template: MESSAGE });
    assert.equal(byUser.params.method, 'alipay.open.public.message.single.send');
    assert.equal(byUser.params.sign_type, 'RSA2');
    assert.equal(byUser.params.app_id, app.app_id);
    const byOpenId = fake.sends.find((s) => s.biz.to_open_id === OPEN_ID)!;
    assert.equal(byOpenId.biz.to_user_id, undefined);
  });

  test('per-recipient variables fill the context', async () => {
    const msg = { ...MESSAGE, context: { ...MESSAGE.context, first: { value: '{{name}}, your order shipped' } } };
    await channel.send(msg, [{ address: USER_ID, params: { name: 'Zhao' } }], app);
    assert.deepEqual(fake.sends[0]!.biz.template.context.first, { value: 'Zhao, your order shipped' });
  });

  test('answers are classified: invalid user, call limit and outage retried, and a forged or unsigned success is not trusted', async () => {
    fake.modes.set('2088000000000001', 'invalidUser');
    fake.modes.set('2088000000000002', 'callLimited', 1);
    fake.modes.set('2088000000000003', 'unavailable', 1);
    fake.modes.set('2088000000000004', 'foreignSignature');
    fake.modes.set('2088000000000005', 'unsigned');
    const addresses = ['2088000000000001', '2088000000000002', '2088000000000003', '2088000000000004', '2088000000000005', 'not/an id'];
    const results = await channel.send(MESSAGE, addresses.map((address) => ({ address })), app);
    assert.deepEqual(results.map((r) => r.kind), ['invalidTarget', 'failed', 'failed', 'failed', 'failed', 'invalidTarget']);
    assert.match((results[0] as { reason: string }).reason, /40002.*invalid-openid/);
    assert.deepEqual({ ...results[1], reason: undefined }, { kind: 'failed', reason: undefined, code: 'isv.app-call-limited', retry: true });
    assert.deepEqual({ ...results[2], reason: undefined }, { kind: 'failed', reason: undefined, code: 'isp.unknow-error', retry: true });
    assert.match((results[3] as { reason: string }).reason, /signature does not verify/);
    assert.equal((results[3] as { retry: boolean }).retry, false);
    assert.match((results[4] as { reason: string }).reason, /without a signature/);
    assert.equal(fake.requests, 5, 'the malformed address never left');
  });

  test('a request signed with the wrong key or for an unknown app is refused by the gateway (isv.invalid-signature / isv.invalid-app-id)', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const wrongKey = await channel.send(MESSAGE, [{ address: USER_ID }], { ...app, private_key: other });
    assert.deepEqual({ ...wrongKey[0], reason: undefined }, { kind: 'failed', reason: undefined, code: 'isv.invalid-signature', retry: false });
    const unknownApp = await channel.send(MESSAGE, [{ address: USER_ID }], { ...app, app_id: '2021999999999999' });
    assert.equal((unknownApp[0] as { code: string }).code, 'isv.invalid-app-id');
    assert.equal(fake.sends.length, 0);
  });

  test('credentials: app id, and RSA keys of at least 2048 bits as PEM or bare base64', () => {
    assert.equal(channel.checkCredentials(app), undefined);
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.equal(channel.checkCredentials({ ...app, private_key: pem }), undefined);
    assert.match(channel.checkCredentials({ ...app, app_id: 'abc' })!, /app_id/);
    assert.match(channel.checkCredentials({ ...app, private_key: 'not a key' })!, /private_key: not a readable/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.match(channel.checkCredentials({ ...app, private_key: small })!, /2048 bits/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.match(channel.checkCredentials({ ...app, private_key: ec })!, /not an RSA/);
    assert.match(channel.checkCredentials({ app_id: app.app_id, private_key: app.private_key })!, /alipay_public_key/);
  });

  test('hostile answers fail retryably within the timeout', async () => {
    const modes = ['garbage', 'huge', 'silent', 'trickle'] as const;
    const addresses = modes.map((_, i) => `208811111111111${i}`);
    modes.forEach((mode, i) => fake.modes.set(addresses[i]!, mode, 1));
    const hostile = createAlipayLifeChannel({ endpoint: fake.url, timeoutMs: 1000, concurrency: 4 });
    const started = Date.now();
    const results = await hostile.send(MESSAGE, addresses.map((address) => ({ address })), app);
    assert.deepEqual(results.map((r) => r.kind), ['failed', 'failed', 'failed', 'failed']);
    assert.ok(results.every((r) => (r as { retry: boolean }).retry));
    assert.ok(Date.now() - started < 8000, 'bounded by the 1 s timeout');
    await hostile.close();
  });

  test('signing helpers: the signed string and the raw answer member', () => {
    assert.equal(signingString({ b: '2', a: '1', sign: 'x', empty: '', c: 'a=b&c' }), 'a=1&b=2&c=a=b&c');
    const text = '{"x_response":{"code":"10000","msg":"a \\"}\\" b","n":[1,{"k":"}"}]},"sign":"abc"}';
    assert.equal(rawMember(text, 'x_response'), '{"code":"10000","msg":"a \\"}\\" b","n":[1,{"k":"}"}]}');
    assert.equal(rawMember('{"x_response": "str"}', 'x_response'), undefined);
    assert.match(alipayTimestamp(Date.UTC(2024, 0, 31, 17, 5, 9)), /^2024-02-01 01:05:09$/);
  });

  test('validate: template id, the context fields and their lengths', () => {
    const bad: [unknown, RegExp][] = [
      [{ context: MESSAGE.context }, /template_id is required/],
      [{ ...MESSAGE, template_id: 'x'.repeat(129) }, /template_id must be at most 128/],
      [{ template_id: 't' }, /context is required/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, head_color: undefined } }, /head_color is required/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, head_color: '#85be53#85be53' } }, /head_color must be at most 10/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, url: 'u'.repeat(257) } }, /url must be at most 256/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, action_name: '查看详情查看详情查' } }, /action_name/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, action_name: 'View all details!' } }, /action_name/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, keyword1: { value: 'v'.repeat(129) } } }, /keyword1\.value must be at most 128/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, keyword1: { color: '#fff' } } }, /keyword1\.value is required/],
      [{ ...MESSAGE, context: { ...MESSAGE.context, footer: { value: 'x' } } }, /footer is not a template placeholder/],
    ];
    for (const [msg, error] of bad) assert.match(channel.validate(msg as Record<string, unknown>) ?? 'accepted', error, JSON.stringify(msg).slice(0, 80));
    assert.equal(channel.validate({ ...MESSAGE, context: { ...MESSAGE.context, action_name: 'View details 123' } }), undefined);
  });
});
