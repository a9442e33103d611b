import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderApns, resolveBadge } from '../../src/channels/apns/render.js';
import { ProviderTokens, TOKEN_REFRESH_MS } from '../../src/channels/apns/provider-token.js';
import type { AcceptedPush } from '../../src/domain/push.js';
import { makeSigningKey } from '../helpers/apns.js';

function push(fields: Partial<AcceptedPush>): AcceptedPush {
  return {
    appKey: 'a',
    source: 'jpush',
    sendno: '0',
    platforms: ['ios'],
    audience: { all: true },
    options: { timeToLive: 0, apnsProduction: false, bigPushDuration: 0, raw: {} },
    msgId: '42',
    createdAt: 1_000_000,
    expiresAt: 1_000_000,
    ...fields,
  };
}

describe('APNs rendering', () => {
  test('badge arithmetic: numbers set, +N and -N change the last value, never below 0', () => {
    const b = (badge: unknown, current?: number) => resolveBadge(push({ notification: { ios: { alert: 'x', badge: badge as number } } }), current);
    assert.equal(b(3), 3);
    assert.equal(b('+2'), 2);
    assert.equal(b('+2', 5), 7);
    assert.equal(b('-3', 2), 0);
    assert.equal(b('4', 9), 4);
    assert.equal(b('+x', 9), undefined);
    assert.equal(resolveBadge(push({ notification: { alert: 'x' } }), 3), undefined);
  });

  test('time_to_live 0 means deliver now or never: apns-expiration 0', () => {
    const [m] = renderApns(push({ notification: { alert: 'x' } }), undefined);
    assert.equal(m!.expiration, 0);
    assert.equal(m!.pushType, 'alert');
    assert.deepEqual(JSON.parse(m!.payload), { aps: { alert: 'x' }, _j_msgid: 42 });
  });

  test('notification_3rd.ios renders for a custom message', () => {
    const [m] = renderApns(push({ message: { msg_content: 'm' }, notification3rd: { ios: { alert: 'from 3rd', sound: 'a.caf' } } }), undefined);
    assert.deepEqual((JSON.parse(m!.payload) as { aps: unknown }).aps, { alert: 'from 3rd', sound: 'a.caf' });
  });

  test('provider tokens are reused, remade after 50 minutes or when APNs calls them expired', async () => {
    let now = Date.now();
    const tokens = new ProviderTokens(() => now);
    const c = { auth: 'token' as const, key: makeSigningKey().p8, keyId: 'ABCDEFGHIJ', teamId: 'TEAMTEAM01', topic: 't', environment: 'push' as const };
    const first = await tokens.get(c);
    now += 1000;
    assert.equal(await tokens.get(c), first);
    now += TOKEN_REFRESH_MS;
    const second = await tokens.get(c);
    assert.notEqual(second, first);
    now += 1000;
    await tokens.expired(c, first); // an old token's answer does not throw away the new one
    assert.equal(await tokens.get(c), second);
    await tokens.expired(c, second);
    now += 1000;
    assert.notEqual(await tokens.get(c), second);
  });
});
