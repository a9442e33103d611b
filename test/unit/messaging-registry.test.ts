import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { issuesAccessTokens } from '../../src/messaging/access-tokens.js';
import { fillParams, groupByParams } from '../../src/messaging/recipient-params.js';
import { closeMessaging, createMessagingRegistry } from '../../src/messaging/registry.js';
import { MESSAGING_CHANNEL_IDS } from '../../src/messaging/types.js';

test('the registry holds the vendor messaging channels under their UMS ids', async () => {
  const registry = createMessagingRegistry({ timeoutMs: 1000, concurrency: 1, smsEndpoint: DEFAULT_CONFIG.sms.endpoint, smtpConnections: 1, vendors: DEFAULT_CONFIG.messaging });
  assert.deepEqual([...registry.keys()].sort(), ['alipay_life', 'dingtalk_cc', 'email', 'sms', 'wechatmp', 'wechatoa', 'wechatwk']);
  for (const [id, channel] of registry) {
    if (id === 'sms' || id === 'email') continue;
    assert.equal(channel.id, id);
    assert.ok(MESSAGING_CHANNEL_IDS.includes(id));
    assert.ok(channel.maxBatch >= 1);
    assert.equal(typeof channel.validate({}), 'string', `${id} refuses an empty message`);
    assert.equal(typeof channel.checkCredentials({}), 'string', `${id} refuses empty credentials`);
    // Alipay signs each request; the others hand out access tokens for the UMS token API
    assert.equal(issuesAccessTokens(channel), id !== 'alipay_life');
    // hostile message objects never throw, and send without a request answers a result per recipient
    const results = await channel.send({ data: 'x' }, [{ address: 'a' }, { address: 'b' }], {});
    assert.deepEqual(results.map((r) => r.kind), ['failed', 'failed']);
  }
  await closeMessaging(registry);
});

test('recipient variables: placeholders filled deeply, groups by identical variables', () => {
  assert.deepEqual(fillParams({ a: ['{{x}} and {{ y }}', 3], b: { c: '{{z}}' } }, { x: '1', y: '2' }), { a: ['1 and 2', 3], b: { c: '{{z}}' } });
  assert.equal(fillParams('{{__proto__}}', {}), '{{__proto__}}');
  const groups = groupByParams([{ address: 'a' }, { address: 'b', params: { k: '1', j: '2' } }, { address: 'c', params: {} }, { address: 'd', params: { j: '2', k: '1' } }]);
  assert.deepEqual(groups.map((g) => g.indexes), [[0, 2], [1, 3]]);
});
