import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { charLength, cut, nextChinaMidnight, wideLength } from '../../src/channels/cn-vendors/android-view.js';
import { msgIdFrom, receiptToken, receiptTokenValid, receiptUrl, timeFrom } from '../../src/channels/cn-vendors/receipt-link.js';

describe('domestic vendor helpers', () => {
  test('vendor text lengths: code points, and vivo\'s count where a CJK character is two', () => {
    assert.equal(charLength('通知😀a'), 4);
    assert.equal(wideLength('通知ab'), 6);
    assert.equal(cut('通知通知', 5, wideLength), '通知');
    assert.equal(cut('😀😀😀', 2), '😀😀');
    assert.equal(cut('short', 10), 'short');
  });

  test('daily quotas restart at 00:00 China time (16:00 UTC)', () => {
    assert.equal(new Date(nextChinaMidnight(Date.UTC(2026, 0, 1, 15, 59))).toISOString(), '2026-01-01T16:00:00.000Z');
    assert.equal(new Date(nextChinaMidnight(Date.UTC(2026, 0, 1, 16, 0))).toISOString(), '2026-01-02T16:00:00.000Z');
  });

  test('receipt URL tokens are bound to the secret, the channel and the app', () => {
    const t = receiptToken('s3cret', 'xiaomi', 'app1');
    assert.match(t, /^[\w-]{22}$/);
    assert.ok(receiptTokenValid(t, 's3cret', 'xiaomi', 'app1'));
    assert.ok(!receiptTokenValid(t, 'other', 'xiaomi', 'app1'));
    assert.ok(!receiptTokenValid(t, 's3cret', 'oppo', 'app1'));
    assert.ok(!receiptTokenValid(t, 's3cret', 'xiaomi', 'app2'));
    assert.ok(!receiptTokenValid(undefined, 's3cret', 'xiaomi', 'app1'));
    assert.ok(!receiptTokenValid(t + 'x', 's3cret', 'xiaomi', 'app1'));
    assert.equal(receiptUrl('https://push.example.com/', 'vivo', 'app1', 's', 128), `https://push.example.com/v1/vendors/vivo/receipts/app1?t=${receiptToken('s', 'vivo', 'app1')}`);
    assert.equal(receiptUrl('https://push.example.com/' + 'p'.repeat(100), 'vivo', 'app1', 's', 128), undefined);
    assert.equal(receiptUrl('', 'vivo', 'app1', 's', 128), undefined);
  });

  test('callback parameters and times from vendors are read defensively', () => {
    assert.equal(msgIdFrom('18100287008546343'), '18100287008546343');
    for (const bad of ['', 'abc', '1'.repeat(21), 5, null, '1;2']) assert.equal(msgIdFrom(bad), undefined);
    assert.equal(timeFrom(1_700_000_000), 1_700_000_000_000);
    assert.equal(timeFrom('1700000000123'), 1_700_000_000_123);
    assert.equal(timeFrom('soon', 42), 42);
    assert.equal(timeFrom(-1, 42), 42);
  });
});
