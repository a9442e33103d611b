import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmasError } from '../../src/api/emas/errors.js';
import { paramGroup, Params } from '../../src/api/emas/params.js';
import { translatePush } from '../../src/api/emas/push-translate.js';

const BASE = {
  PushType: 'NOTICE',
  DeviceType: 'ALL',
  Target: 'DEVICE',
  TargetValue: 'abc123',
  Title: 'T',
  Body: 'B',
};

function translate(extra: Record<string, string>) {
  return translatePush(new Params(new Map(Object.entries({ ...BASE, ...extra }))), 'app', Date.now());
}

function codeOf(extra: Record<string, string>): string {
  try {
    translate(extra);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof EmasError, String(err));
    return err.code;
  }
}

describe('EMAS push translation', () => {
  test('a parameter group holds every name its step looks up, conditional ones behind a given name too', () => {
    const group = paramGroup((p) => {
      p.str('A');
      if (p.has('B')) p.int('C');
    });
    const given = (names: string[]) => new Params(new Map(names.map((n) => [n, '']))).anyOf(group);
    assert.equal(given(['A']), true);
    assert.equal(given(['B']), true);
    assert.equal(given(['C']), false, 'C is read only when B is given');
    assert.equal(given(['Title', 'Body']), false);
    assert.equal(new Params(new Map([['PushTask.2.A', 'x']])).scoped('PushTask.2.').anyOf(group), true);
    assert.equal(new Params(new Map([['PushTask.2.A', 'x']])).scoped('PushTask.1.').anyOf(group), false);
  });

  test('vendor-only, vendor and SMS parameters are checked when given, and only then', () => {
    assert.equal(codeOf({}), 'ok');
    assert.equal(codeOf({ AndroidPopupTitle: 'x'.repeat(51) }), 'InvalidAndroidPopupTitle.LengthExceed');
    assert.equal(codeOf({ SendSpeed: '-1' }), 'InvalidSendSpeed.Format');
    assert.equal(codeOf({ HarmonyRemind: 'maybe' }), 'InvalidHarmonyRemind.Format');
    assert.equal(codeOf({ AndroidMessageOppoNotifyLevel: '2' }), 'MissingAndroidMessageOppoCategory');
    assert.equal(codeOf({ SmsSignName: 'sign' }), 'MissingSmsTemplateName');
    assert.equal(codeOf({ AndroidVivoPushMode: '2' }), 'InvalidAndroidVivoPushMode.Format');
    const push = translate({ AndroidNotificationXiaomiChannel: 'orders', SmsTemplateName: 't', SmsSignName: 's' }).push;
    assert.deepEqual(push.options.raw.third_party_channel, { xiaomi: { channel_id: 'orders' } });
    assert.deepEqual(push.smsMessage, { template_name: 't', sign_name: 's', delay_time: 0, send_policy: 0 });
    const plain = translate({}).push;
    assert.equal(plain.options.raw.third_party_channel, undefined);
    assert.equal(plain.smsMessage, undefined);
  });
});
