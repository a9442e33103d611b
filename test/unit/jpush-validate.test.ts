import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { ApiError } from '../../src/domain/errors.js';
import { PLATFORMS, type Push } from '../../src/domain/push.js';
import { AJV_OPTIONS, parseJPushPush, splitSchema } from '../../src/api/jpush/validate-push.js';
import { Ajv, type ErrorObject } from 'ajv';
import { mulberry32 } from '../helpers/prng.js';
import { schemaError } from '../../src/api/jpush/schema-messages.js';
import { PUSH_SCHEMA } from '../../src/api/jpush/push-schema.js';
import { MAX_JSON_DEPTH, scanJsonText, serializedBytesBound } from '../../src/api/http/body.js';

type Body = Record<string, unknown>;

const APP_KEY = '8103a4c628a0b98974ec1949';
const FIXTURE_DIR = new URL('../fixtures/spec-examples/', import.meta.url);

function fixture(name: string): Body {
  return JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), 'utf8')) as Body;
}

function parse(body: unknown): Push {
  return parseJPushPush(body, APP_KEY);
}

function expectCode(body: unknown, code: number, message?: RegExp): void {
  assert.throws(
    () => parse(body),
    (err: unknown) => {
      assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
      assert.equal(err.code, code, `code ${err.code}: ${err.message}`);
      if (message !== undefined) assert.match(err.message, message);
      return true;
    },
  );
}

/** A minimal valid push with the given top-level keys replaced or added. */
function push(extra: Body = {}): Body {
  return { platform: 'all', audience: 'all', notification: { alert: 'Hi, JPush!' }, ...extra };
}

function withOptions(options: Body, extra: Body = {}): Body {
  return push({ options, ...extra });
}

function withAudience(audience: unknown): Body {
  return push({ audience });
}

const list = (n: number, prefix = 't'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('spec examples', () => {
  const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json'));

  test('all sixteen complete examples of 000, 001 and 003 are present', () => {
    assert.equal(files.length, 16);
    for (const doc of ['000', '001', '003']) assert.ok(files.some((f) => f.startsWith(`${doc}-`)), doc);
  });

  for (const file of files) {
    test(`${file} parses`, () => {
      const body = fixture(file);
      const p = parse(body);
      assert.equal(p.source, 'jpush');
      assert.equal(p.appKey, APP_KEY);
      assert.ok(p.platforms.length > 0);
    });
  }

  test('003 example as printed (sms_message.content) is rejected by the current tables', () => {
    const body = fixture('003-02-examples-and-descriptions.json');
    body.sms_message = { content: 'sms msg content', delay_time: 3600 };
    expectCode(body, 1002, /sms_message\.temp_id/);
    body.sms_message = { content: 'sms msg content', delay_time: 3600, temp_id: 1 };
    expectCode(body, 1009, /sms_message\.content/);
  });

  test('000 live activity update targets the activity id on iOS only', () => {
    const p = parse(fixture('000-04-live-activity-update.json'));
    assert.deepEqual(p.audience, { liveActivityId: 'abcdef' });
    assert.deepEqual(p.platforms, ['ios']);
    assert.equal(p.cid, '8103a4c628a0b98974ec1949-711261d4-5f17-4d2f-a855-5e5a8909b26e');
    assert.ok(p.liveActivity);
    assert.equal(p.notification, undefined);
    assert.equal(p.options.apnsProduction, false);
  });

  test('001 file push translates the file audience', () => {
    const p = parse(fixture('001-02-file-push.json'));
    assert.deepEqual(p.audience, { fileId: '004f2b2c3d8fc649fa60ad2c-15563487-577d-4bb0-806b-56f1a19e06c1' });
    assert.equal(p.options.timeToLive, 600);
  });

  test('000 android fragment with custom_buttons', () => {
    const android = {
      alert: 'hello, JPush!',
      title: 'JPush test',
      builder_id: 3,
      style: 1,
      alert_type: 1,
      big_text: 'big text content',
      inbox: {},
      big_pic_path: 'picture url',
      priority: 0,
      category: 'category str',
      large_icon: 'http://www.jiguang.cn/largeIcon.jpg',
      intent: { url: 'intent:#Intent;component=com.jiguang.push/com.example.jpushdemo.SettingActivity;end' },
      extras: { news_id: 134, my_key: 'a value' },
      custom_buttons: [
        { name: 'button1', action_type: 1, action: 'intent:#Intent;action=com.example.ACTION_ONE;end', data: 'this is button1' },
        { name: 'button2', action_type: 2, action: 'scheme://test?key1=val1&key2=val2', data: 'this is button2' },
        { name: 'button3', action_type: 3 },
      ],
    };
    assert.deepEqual(parse(push({ notification: { android } })).notification, { android });
  });

  test('000 hmos card refresh and live window fragments', () => {
    const card = {
      push_type: 1,
      hm_payload: { formData: { '123': 96, class: '123' }, version: 922337203, formId: 0, moduleName: 'testName' },
    };
    const liveWindow = {
      push_type: 7,
      hm_payload: { activityId: 1, operation: 0, event: 'FLIGHT', status: 'DEPART', activityData: {} },
    };
    for (const hmos of [card, liveWindow]) parse({ platform: ['hmos'], audience: 'all', notification: { hmos } });
  });

  test('000 third_party_channel fragment with every vendor', () => {
    const audit = { code: 200, msg: 'ok', data: { auditId: '44e3', labels: [{ level: 1 }] }, sign: 'MEUC' };
    const thirdPartyChannel = {
      xiaomi: { distribution: 'jpush', channel_id: '***', big_text: 'testbigtext', style: 1, distribution_fcm: 'fcm', skip_quota: true },
      huawei: {
        distribution: 'secondary_push',
        distribution_fcm: 'jpush',
        distribution_customize: 'first_ospush',
        sound: '/raw/shake',
        default_sound: false,
        importance: 'NORMAL',
        receipt_id: '111111',
        target_user_type: 1,
        large_icon: 'jgmedia-2-14b23451-0001-41ce-89d9-987b465122da',
        small_icon_uri: 'jgmedia-3-14b23451-0001-41ce-89d9-987b465122da',
        inbox: {},
        style: 2,
        only_use_vendor_style: true,
        auditResponse: audit,
      },
      honor: { distribution: 'secondary_push', distribution_fcm: 'jpush', distribution_customize: 'first_ospush', style: 1 },
      meizu: { distribution: 'jpush', distribution_fcm: 'pns' },
      fcm: { distribution: 'jpush' },
      oppo: {
        distribution: 'ospush',
        channel_id: '***',
        distribution_fcm: 'secondary_fcm_push',
        big_pic_path: 'jgmedia-1',
        style: 1,
        skip_quota: true,
        auditResponse: audit,
        private_msg_template_id: 'dfudyer0088',
        private_title_parameters: { level: 'normal', name: 'LGAR' },
        private_content_parameters: { key01: 'value01' },
      },
      vivo: { distribution: 'jpush', classification: 0, distribution_fcm: 'secondary_pns_push', push_mode: 0, auditResponse: audit },
      hmos: { distribution: 'jpush' },
    };
    // distribution_customize (huawei, honor) is the custom message policy, so the push carries a message.
    const p = parse(withOptions({ third_party_channel: thirdPartyChannel }, { message: { msg_content: 'Hi' } }));
    assert.deepEqual(p.options.raw, { third_party_channel: thirdPartyChannel });
  });

  test('000 huawei live window fragment: "os_push" as printed is rejected, "ospush" accepted', () => {
    const huawei = { distribution: 'os_push', receipt_id: '111111', hw_push_type: 7, hw_live_payload: { activityId: 15, event: 'TAXI' } };
    expectCode(withOptions({ classification: 1, third_party_channel: { huawei } }), 1003, /distribution/);
    parse(withOptions({ classification: 1, third_party_channel: { huawei: { ...huawei, distribution: 'ospush' } } }));
  });

  test('000 vendor VoIP fragment needs no notification or message', () => {
    const p = parse({
      platform: ['android'],
      audience: { registration_id: ['1a0018970a9b5d0ad04'] },
      options: {
        classification: 1,
        third_party_channel: {
          huawei: { importance: 'HIGH', category: 'VOIP', receipt_id: '*****' },
          honor: { honor_push_type: 3, voip_extraData: 'voip data' },
          xiaomi: { mi_push_type: 3, channel_id: '*******', callback_id: '*******', voip_extraData: 'voip data' },
          oppo: { op_push_type: 3, callback_id: '*******', voip_extraData: 'voip data' },
          vivo: { vivo_push_type: 3, callback_id: '*******', voip_extraData: 'voip data', extensionExpireShow: true },
        },
      },
    });
    assert.equal(p.notification, undefined);
    assert.equal(p.message, undefined);
  });

  test('000 OPPO fluid cloud and vivo pass-through fragments', () => {
    for (const tpc of [
      { oppo: { distribution: 'ospush', op_intelligent_intent: {} } },
      { oppo: { distribution: 'ospush', op_delete_intent_data: { intentName: 'Example.Progress', entityIds: ['12345'] } } },
      { vivo: { distribution: 'ospush', vivo_inapp_msg: { content: '{}', popUpContent: 'x', popUp: true } } },
    ]) {
      parse(withOptions({ classification: 1, third_party_channel: tpc }));
    }
  });
});

describe('schema errors map to JPush codes', () => {
  test('1009 for the documented misspellings content_available and build_id', () => {
    const misspelt = push({ notification: { ios: { alert: 'a', content_available: true } } });
    expectCode(misspelt, 1009, /^unsupported key: notification\.ios\.content_available$/);
    expectCode(push({ notification: { android: { alert: 'a', build_id: 1 } } }), 1009, /build_id/);
  });

  test('1009 for unknown keys at every level', () => {
    expectCode(push({ foo: 1 }), 1009, /unsupported key: foo/);
    expectCode(push({ notification: { winphone: { alert: 'a' } } }), 1009, /notification\.winphone/);
    expectCode(withAudience({ all: true }), 1009, /audience\.all/);
    expectCode(withAudience({ tags: ['a'] }), 1009, /audience\.tags/);
    expectCode(push({ message: { msg_content: 'x', body: 'y' } }), 1009, /message\.body/);
    expectCode(withOptions({ ttl: 5 }), 1009, /options\.ttl/);
    expectCode(withOptions({ third_party_channel: { samsung: {} } }), 1009, /samsung/);
    // fcm does not take distribution_fcm; the hmos vendor key takes only distribution
    expectCode(withOptions({ third_party_channel: { fcm: { distribution_fcm: 'jpush' } } }), 1009, /fcm\.distribution_fcm/);
    expectCode(withOptions({ third_party_channel: { hmos: { channel_id: 'x' } } }), 1009, /hmos\.channel_id/);
    // vendor-named attributes only under their vendor
    expectCode(withOptions({ third_party_channel: { xiaomi: { op_push_type: 3 } } }), 1009, /xiaomi\.op_push_type/);
    expectCode(push({ callback: { url: 'https://a.example', kind: 1 } }), 1009, /callback\.kind/);
  });

  test('free-form objects accept any key: extras, voip, hm_payload, params', () => {
    const extras = { content_available: 1, 'any-key': { nested: [1, { deep: null }] } };
    const p = parse(
      push({
        notification: {
          alert: 'a',
          android: { extras },
          ios: { extras },
          voip: { whatever: 'value', n: 1 },
          hmos: { category: 'IM', extras, hm_payload: { x: 1 } },
        },
        message: { msg_content: 'm', extras },
        callback: { params: { build_id: 1 } },
      }),
    );
    assert.deepEqual((p.notification as Body).voip, { whatever: 'value', n: 1 });
  });

  test('1002 for missing required fields', () => {
    expectCode({ audience: 'all', notification: { alert: 'a' } }, 1002, /platform/);
    expectCode({ platform: 'all', notification: { alert: 'a' } }, 1002, /audience/);
    expectCode(push({ message: { title: 't' } }), 1002, /message\.msg_content/);
    expectCode(push({ notification: { quickapp: { alert: 'a', title: 't' } } }), 1002, /quickapp\.page/);
    expectCode(push({ sms_message: { delay_time: 0 } }), 1002, /sms_message\.temp_id/);
    expectCode(push({ sms_message: { temp_id: 1 } }), 1002, /sms_message\.delay_time/);
    expectCode(push({ inapp_message: {} }), 1002, /inapp_message\.inapp_message/);
    expectCode(withAudience({ file: {} }), 1002, /audience\.file\.file_id/);
    expectCode(
      { platform: ['ios'], audience: { live_activity_id: 'x' }, live_activity: { ios: { 'content-state': {} } } },
      1002,
      /live_activity\.ios\.event/,
    );
  });

  test('1003 for wrong types, enums and patterns', () => {
    expectCode(push({ platform: ['android', 'winphone'] }), 1003, /platform\[1\]/);
    expectCode(push({ platform: 'android' }), 1003, /platform/);
    expectCode(push({ platform: [] }), 1003, /platform/);
    expectCode(push({ platform: 3 }), 1003, /platform/);
    expectCode(withAudience('everyone'), 1003, /audience/);
    expectCode(withAudience(['all']), 1003, /audience/);
    expectCode(push({ notification: { alert: 7 } }), 1003, /notification\.alert/);
    expectCode(push({ notification: { ios: { alert: 'a', badge: 'abc' } } }), 1003, /notification\.ios\.badge/);
    expectCode(push({ notification: { ios: { alert: 'a', badge: -1 } } }), 1003, /badge/);
    expectCode(push({ notification: { ios: { alert: 'a', 'interruption-level': 'loud' } } }), 1003, /interruption-level/);
    expectCode(push({ notification: { ios: { alert: 'a', 'content-available': 1 } } }), 1003, /content-available/);
    expectCode(push({ notification: { android: { alert: 'a', style: 4 } } }), 1003, /android\.style/);
    expectCode(push({ notification: { android: { alert: 'a', alert_type: 8 } } }), 1003, /alert_type/);
    expectCode(push({ notification: { android: { alert: 'a', alert_type: -2 } } }), 1003, /alert_type/);
    expectCode(push({ notification: { android: { alert: 'a', show_begin_time: '2024-01-01' } } }), 1003, /show_begin_time/);
    expectCode(push({ notification: { android: { alert: 'a', oppns_content_forshort: 'x'.repeat(51) } } }), 1003, /oppns/);
    expectCode(withOptions({ third_party_channel: { xiaomi: { distribution: '' } } }), 1003, /xiaomi\.distribution/);
    expectCode(withOptions({ third_party_channel: { xiaomi: { distribution_fcm: 'ospush' } } }), 1003, /distribution_fcm/);
    expectCode(withOptions({ classification: 2 }), 1003, /options\.classification/);
    expectCode(withOptions({ notification_3rd_ver: 'v3' }), 1003, /notification_3rd_ver/);
    expectCode(withOptions({ apns_production: 'true' }), 1003, /apns_production/);
    expectCode(push({ callback: { type: 16 } }), 1003, /callback\.type/);
    expectCode(push({ cid: 'not-a-cid' }), 1003, /cid/);
    expectCode(push({ sms_message: { temp_id: 1, delay_time: 86_401 } }), 1003, /delay_time/);
    expectCode(
      {
        platform: ['ios'],
        audience: 'all',
        live_activity: { ios: { event: 'start', 'content-state': {}, 'attributes-type': '1Bad', attributes: {} } },
      },
      1003,
      /attributes-type/,
    );
  });

  test('bodies that are not push objects', () => {
    expectCode(undefined, 1002);
    expectCode(null, 1002);
    expectCode('', 1002);
    expectCode({}, 1002, /platform/);
    expectCode([], 1003);
    expectCode('{"platform":"all"}', 1003);
    expectCode(42, 1003);
  });
});

describe('audience limits', () => {
  for (const field of ['tag', 'tag_and', 'tag_not']) {
    test(`${field}: 20 accepted, 21 rejected`, () => {
      parse(withAudience({ [field]: list(20) }));
      expectCode(withAudience({ [field]: list(21) }), 1003, new RegExp(`audience\\.${field}`));
    });
  }

  for (const field of ['alias', 'registration_id']) {
    test(`${field}: 1000 accepted, 1001 rejected`, () => {
      parse(withAudience({ [field]: list(1000, 'a') }));
      expectCode(withAudience({ [field]: list(1001, 'a') }), 1003, new RegExp(`audience\\.${field}`));
    });
  }

  for (const field of ['tag', 'tag_and', 'tag_not', 'alias']) {
    test(`${field}: 40 bytes accepted, 41 rejected (UTF-8)`, () => {
      parse(withAudience({ [field]: ['a'.repeat(40)] }));
      expectCode(withAudience({ [field]: ['ok', 'a'.repeat(41)] }), 1003, new RegExp(`audience\\.${field}\\[1\\].*40 bytes`));
      // a Chinese character is three bytes
      const han13 = '深'.repeat(13);
      assert.equal(utf8(han13), 39);
      parse(withAudience({ [field]: [han13] }));
      expectCode(withAudience({ [field]: ['深'.repeat(14)] }), 1003);
      const mixed40 = `${'a'.repeat(37)}圳`;
      assert.equal(utf8(mixed40), 40);
      parse(withAudience({ [field]: [mixed40] }));
      expectCode(withAudience({ [field]: [`${'a'.repeat(38)}圳`] }), 1003);
    });
  }

  test('tag and alias character set', () => {
    parse(withAudience({ tag: ['Az09_', '@!#$&*+=.|￥', '深圳北京'], alias: ['user_1@x.cn'] }));
    for (const bad of ['a-b', 'a b', 'a/b', 'é', '']) expectCode(withAudience({ tag: [bad] }), 1003, /audience\.tag\[0\]/);
    expectCode(withAudience({ alias: ['ok', 'no%'] }), 1003, /audience\.alias\[1\]/);
    expectCode(withAudience({ alias: [null] }), 1003);
  });

  test('registration id format', () => {
    parse(withAudience({ registration_id: ['1a0018970a9b5d0ad04', '4312kjklfds2', 'a'.repeat(64)] }));
    expectCode(withAudience({ registration_id: ['abc-def'] }), 1003, /registration_id\[0\]/);
    expectCode(withAudience({ registration_id: ['a'.repeat(65)] }), 1003);
    expectCode(withAudience({ registration_id: [''] }), 1003);
  });

  test('only one segment and one abtest', () => {
    assert.deepEqual(parse(withAudience({ segment: ['s1'] })).audience, { segment: ['s1'] });
    expectCode(withAudience({ segment: ['s1', 's2'] }), 1003, /audience\.segment/);
    assert.deepEqual(parse(withAudience({ abtest: ['a1'] })).audience, { abtest: ['a1'] });
    expectCode(withAudience({ abtest: ['a1', 'a2'] }), 1003, /audience\.abtest/);
  });

  test('empty lists mean the kind is absent; no kind at all is 1002', () => {
    assert.deepEqual(parse(withAudience({ tag: [], alias: ['a1'] })).audience, { alias: ['a1'] });
    expectCode(withAudience({ tag: [] }), 1002, /audience/);
    expectCode(withAudience({}), 1002, /audience/);
  });

  test('live_activity_id and file stand alone', () => {
    expectCode(
      { platform: ['ios'], audience: { live_activity_id: 'x', tag: ['t'] }, live_activity: { ios: { event: 'end', 'content-state': {} } } },
      1003,
      /live_activity_id/,
    );
    expectCode(withAudience({ file: { file_id: 'f' }, alias: ['a'] }), 1003, /audience\.file/);
    // an empty list beside them does not count as a second kind
    assert.deepEqual(parse(withAudience({ file: { file_id: 'f' }, alias: [] })).audience, { fileId: 'f' });
  });
});

describe('payload sizes (1005)', () => {
  // {"alert":"<n chars>"} is 12 + n bytes
  test('iOS notification: 3584 bytes accepted, 3585 rejected', () => {
    const ios = (n: number) => ({ platform: ['ios'], audience: 'all', notification: { ios: { alert: 'x'.repeat(n) } } });
    assert.equal(utf8(JSON.stringify(ios(3572).notification.ios)), 3584);
    parse(ios(3572));
    expectCode(ios(3573), 1005, /notification\.ios.*3584/);
  });

  test('iOS size counts UTF-8 bytes and the inherited alert', () => {
    // 1190 Chinese characters = 3570 bytes; + 12 = 3582; two more ASCII = 3584
    const alert = `${'深'.repeat(1190)}ab`;
    assert.equal(utf8(JSON.stringify({ alert })), 3584);
    parse({ platform: ['ios'], audience: 'all', notification: { alert, ios: {} } });
    parse({ platform: ['ios'], audience: 'all', notification: { alert } });
    expectCode({ platform: ['ios'], audience: 'all', notification: { alert: `${alert}c`, ios: {} } }, 1005);
    expectCode({ platform: ['ios'], audience: 'all', notification: { alert: `${alert}c` } }, 1005);
    // inherited into a non-empty ios object: {"alert":"<n>","sound":"a"} = 24 + n bytes
    const withSound = (n: number) => ({ platform: ['ios'], audience: 'all', notification: { alert: 'x'.repeat(n), ios: { sound: 'a' } } });
    assert.equal(utf8(JSON.stringify({ alert: 'x'.repeat(3560), sound: 'a' })), 3584);
    parse(withSound(3560));
    expectCode(withSound(3561), 1005);
    // an own alert wins over the inherited one
    parse({ platform: ['ios'], audience: 'all', notification: { alert: `${alert}c`, ios: { alert: 'short' } } });
  });

  test('iOS size is only checked when iOS is targeted', () => {
    parse({ platform: ['android'], audience: 'all', notification: { alert: 'a', ios: { alert: 'x'.repeat(5000) } } });
  });

  // android {"alert":"<1000>"} = 1012 bytes; message {"msg_content":"<m>"} = 18 + m bytes
  test('Android notification + message: 4000 bytes accepted, 4001 rejected', () => {
    const body = (m: number) => ({
      platform: ['android'],
      audience: 'all',
      notification: { android: { alert: 'x'.repeat(1000) } },
      message: { msg_content: 'y'.repeat(m) },
    });
    parse(body(2970));
    expectCode(body(2971), 1005, /android.*4000/);
  });

  test('Android notification alone and multi-byte content', () => {
    const one = (alert: string) => ({ platform: ['android'], audience: 'all', notification: { android: { alert } } });
    parse(one('x'.repeat(3988)));
    expectCode(one('x'.repeat(3989)), 1005);
    // 1329 Chinese characters = 3987 bytes + 12 = 3999
    parse(one(`${'深'.repeat(1329)}a`));
    expectCode(one(`${'深'.repeat(1329)}ab`), 1005);
  });

  test('a message alone is limited to 4000 bytes on iOS too', () => {
    const msg = (m: number) => ({ platform: ['ios'], audience: 'all', message: { msg_content: 'y'.repeat(m) } });
    parse(msg(3982));
    expectCode(msg(3983), 1005, /message/);
  });

  test('live_activity.ios: 3584 bytes accepted, 3585 rejected', () => {
    const body = (n: number) => ({
      platform: ['ios'],
      audience: { live_activity_id: 'abc' },
      live_activity: { ios: { event: 'update', 'content-state': { k: 'x'.repeat(n) } } },
    });
    // {"event":"update","content-state":{"k":"<n>"}} = 43 + n bytes
    assert.equal(utf8(JSON.stringify(body(3541).live_activity.ios)), 3584);
    parse(body(3541));
    expectCode(body(3542), 1005, /live_activity/);
  });

  test('a body parsed from short JSON text skips the serialising, and numbers that grow do not fool it', () => {
    const fromText = (text: string) => {
      const bound = serializedBytesBound(text.length, scanJsonText(text, MAX_JSON_DEPTH).exponents);
      return parseJPushPush(JSON.parse(text), APP_KEY, bound);
    };
    const expectTextCode = (text: string, code: number) =>
      assert.throws(() => fromText(text), (err: unknown) => err instanceof ApiError && err.code === code);
    const ios = (extras: string) => `{"platform":["ios"],"audience":"all","notification":{"ios":{"alert":"a","extras":{"n":[${extras}]}}}}`;
    // 200 numbers of 4 characters that JSON.stringify writes with 21 digits: 4,410 bytes
    const grown = ios(Array(200).fill('1e20').join(','));
    assert.ok(grown.length * 3 + 10 < 3584, 'short enough to skip the check if exponents were not counted');
    expectTextCode(grown, 1005);
    expectCode(JSON.parse(grown), 1005);
    fromText(ios(Array(100).fill('1e20').join(','))); // 2,210 bytes
    const android = (m: string) => `{"platform":["android"],"audience":"all","notification":{"alert":"a"},"message":{"msg_content":"m","extras":{"n":[${m}]}}}`;
    expectTextCode(android(Array(200).fill('9e20').join(',')), 1005);
    // the same outcome as from the object for bodies on both sides of every limit
    const cases: Body[] = [
      { platform: ['ios'], audience: 'all', notification: { ios: { alert: 'x'.repeat(3572) } } },
      { platform: ['ios'], audience: 'all', notification: { ios: { alert: 'x'.repeat(3573) } } },
      { platform: ['ios'], audience: 'all', notification: { alert: 'x'.repeat(3561), ios: { sound: 'a' } } },
      { platform: ['android'], audience: 'all', notification: { android: { alert: '深'.repeat(1330) } } },
      { platform: ['ios'], audience: 'all', message: { msg_content: 'y'.repeat(3983) } },
      { platform: ['android', 'ios'], audience: 'all', notification: { alert: 'short' }, message: { msg_content: 'y' } },
    ];
    for (const body of cases) {
      const text = JSON.stringify(body);
      let expected: unknown, actual: unknown;
      try {
        expected = parse(body);
      } catch (err) {
        expected = (err as ApiError).code;
      }
      try {
        actual = fromText(text);
      } catch (err) {
        actual = (err as ApiError).code;
      }
      assert.deepEqual(actual, expected);
    }
  });
});

describe('options', () => {
  test('time_to_live: default 86400, range 0..864000', () => {
    assert.equal(parse(push()).options.timeToLive, 86_400);
    assert.equal(parse(withOptions({ time_to_live: 0 })).options.timeToLive, 0);
    assert.equal(parse(withOptions({ time_to_live: 864_000 })).options.timeToLive, 864_000);
    expectCode(withOptions({ time_to_live: -1 }), 1003, /options\.time_to_live/);
    expectCode(withOptions({ time_to_live: 864_001 }), 1003, /options\.time_to_live/);
    expectCode(withOptions({ time_to_live: 1.5 }), 1003, /options\.time_to_live/);
    expectCode(withOptions({ time_to_live: '60' }), 1003, /options\.time_to_live/);
  });

  test('big_push_duration: default 0, range 0..1400', () => {
    assert.equal(parse(push()).options.bigPushDuration, 0);
    assert.equal(parse(withOptions({ big_push_duration: 1400 })).options.bigPushDuration, 1400);
    expectCode(withOptions({ big_push_duration: 1401 }), 1003, /big_push_duration/);
    expectCode(withOptions({ big_push_duration: -1 }), 1003, /big_push_duration/);
  });

  test('apns_collapse_id: at most 64 bytes', () => {
    assert.equal(parse(withOptions({ apns_collapse_id: 'c'.repeat(64) })).options.apnsCollapseId, 'c'.repeat(64));
    expectCode(withOptions({ apns_collapse_id: 'c'.repeat(65) }), 1003, /apns_collapse_id/);
    const han21a = `${'深'.repeat(21)}a`; // 64 bytes
    assert.equal(utf8(han21a), 64);
    parse(withOptions({ apns_collapse_id: han21a }));
    expectCode(withOptions({ apns_collapse_id: `${han21a}b` }), 1003, /apns_collapse_id/);
    expectCode(withOptions({ apns_collapse_id: '深'.repeat(22) }), 1003);
  });

  test('override_msg_id: a positive msg id, number or string', () => {
    assert.equal(parse(withOptions({ override_msg_id: 1828256757 })).options.overrideMsgId, '1828256757');
    assert.equal(parse(withOptions({ override_msg_id: '18100287008546343' })).options.overrideMsgId, '18100287008546343');
    expectCode(withOptions({ override_msg_id: 0 }), 1003, /override_msg_id/);
    expectCode(withOptions({ override_msg_id: -5 }), 1003, /override_msg_id/);
    expectCode(withOptions({ override_msg_id: 2 ** 53 + 2 }), 1003, /override_msg_id.*string/);
    expectCode(withOptions({ override_msg_id: 'abc' }), 1003, /override_msg_id/);
    expectCode(withOptions({ override_msg_id: '0123' }), 1003, /override_msg_id/);
    expectCode(withOptions({ override_msg_id: 1.5 }), 1003, /override_msg_id/);
  });

  test('sendno: echoed as a string, "0" by default', () => {
    assert.equal(parse(push()).sendno, '0');
    assert.equal(parse(withOptions({ sendno: 18 })).sendno, '18');
    assert.equal(parse(withOptions({ sendno: 'req-7' })).sendno, 'req-7');
    expectCode(withOptions({ sendno: -1 }), 1003, /sendno/);
    expectCode(withOptions({ sendno: 1.5 }), 1003, /sendno/);
    expectCode(withOptions({ sendno: 's'.repeat(65) }), 1003, /sendno/);
  });

  test('apns_production defaults to production as the tables say; classification passes through', () => {
    assert.equal(parse(push()).options.apnsProduction, true);
    assert.equal(parse(withOptions({ apns_production: false })).options.apnsProduction, false);
    assert.equal(parse(withOptions({ classification: 1 })).options.classification, 1);
    assert.equal(parse(push()).options.classification, undefined);
  });

  test('every documented option is accepted', () => {
    const options = {
      sendno: 1,
      time_to_live: 60,
      override_msg_id: 123,
      apns_production: true,
      apns_collapse_id: 'c',
      big_push_duration: 0,
      third_party_channel: { fcm: { distribution: 'ospush' } },
      classification: 0,
      target_event: ['jg_app_show'],
      test_message: false,
      receipt_id: 'r',
      active_push: false,
      need_backup: false,
      business_operation_code: 'plan',
      test_model: false,
      notification_3rd_ver: 'v1',
      auto_truncation: true,
      mkt_enable: false,
    };
    const p = parse(withOptions(options));
    assert.deepEqual(p.options.raw, options);
  });

  test('active_push rules (1035)', () => {
    parse(withOptions({ active_push: true, need_backup: true, third_party_channel: { xiaomi: { distribution: 'secondary_push' } } }));
    expectCode(withOptions({ need_backup: true }), 1035, /need_backup/);
    expectCode(withOptions({ active_push: true }, { message: { msg_content: 'm' } }), 1035, /notification-only/);
    expectCode({ platform: 'all', audience: 'all', message: { msg_content: 'm' }, options: { active_push: true } }, 1035);
    expectCode(withOptions({ active_push: true, big_push_duration: 10 }), 1035, /big_push_duration/);
    expectCode(withOptions({ active_push: true, third_party_channel: { oppo: { distribution: 'ospush' } } }), 1035, /secondary_push/);
  });

  test('target_event needs notification or message (1033)', () => {
    parse(withOptions({ target_event: ['jg_app_show'] }));
    parse({ platform: 'all', audience: 'all', message: { msg_content: 'm' }, options: { target_event: ['e'] } });
    expectCode(
      {
        platform: ['ios'],
        audience: { live_activity_id: 'x' },
        live_activity: { ios: { event: 'end', 'content-state': {} } },
        options: { target_event: ['jg_app_show'] },
      },
      1033,
    );
  });
});

describe('third_party_channel rules', () => {
  const messageOnly = (third_party_channel: Body, extra: Body = {}): Body => ({
    platform: 'all',
    audience: 'all',
    message: { msg_content: 'm' },
    options: { third_party_channel, ...extra },
  });

  test('1019: delivery policy must match the message type', () => {
    expectCode(withOptions({ third_party_channel: { huawei: { distribution_customize: 'first_ospush' } } }), 1019, /distribution_customize/);
    expectCode(messageOnly({ xiaomi: { distribution: 'jpush' } }), 1019, /xiaomi\.distribution/);
    expectCode(messageOnly({ oppo: { distribution_fcm: 'fcm' } }), 1019, /oppo\.distribution_fcm/);
    // fcm and hmos policies cover notifications and custom messages alike
    parse(messageOnly({ fcm: { distribution: 'ospush' }, hmos: { distribution: 'first_ospush' } }));
    parse(messageOnly({ huawei: { distribution_customize: 'secondary_push' } }));
    // notification_3rd is a notification for the vendors
    parse({ ...messageOnly({ xiaomi: { distribution: 'ospush' } }), notification_3rd: { content: 'c' } });
  });

  test('1017: mutually exclusive vendor attributes', () => {
    expectCode(
      withOptions({ classification: 1, third_party_channel: { vivo: { vivo_inapp_msg: {}, voip_extraData: 'v', vivo_push_type: 3 } } }),
      1017,
      /vivo_inapp_msg/,
    );
    expectCode(withOptions({ classification: 1, third_party_channel: { oppo: { op_intelligent_intent: {}, op_delete_intent_data: {} } } }), 1017);
  });

  test('vendor special messages need their payload, classification 1 and ospush', () => {
    const voip = (oppo: Body, classification = 1) => ({
      platform: ['android'],
      audience: 'all',
      options: { classification, third_party_channel: { oppo } },
    });
    parse(voip({ op_push_type: 3, voip_extraData: 'v' }));
    parse(voip({ op_push_type: 3, voip_extraData: 'v', distribution: 'ospush' }));
    expectCode(voip({ op_push_type: 3, voip_extraData: 'v' }, 0), 1003, /classification/);
    expectCode(voip({ op_push_type: 3 }), 1002, /voip_extraData/);
    expectCode(voip({ op_push_type: 3, voip_extraData: 'v', distribution: 'jpush' }), 1003, /ospush/);
    expectCode(
      {
        platform: ['android'],
        audience: 'all',
        options: { classification: 1, third_party_channel: { xiaomi: { mi_push_type: 3, voip_extraData: 'v' } } },
      },
      1002,
      /channel_id/,
    );
    expectCode(withOptions({ classification: 1, third_party_channel: { huawei: { hw_push_type: 7 } } }), 1002, /hw_live_payload/);
    expectCode(withOptions({ classification: 1, third_party_channel: { huawei: { hw_live_payload: {} } } }), 1003, /hw_push_type 7/);
    expectCode(withOptions({ third_party_channel: { vivo: { vivo_inapp_msg: {} } } }), 1003, /classification/);
  });
});

describe('content blocks and how they combine', () => {
  test('at least one of notification, message, live_activity (1002)', () => {
    expectCode({ platform: 'all', audience: 'all' }, 1002, /notification, message or live_activity/);
    expectCode({ platform: 'all', audience: 'all', sms_message: { temp_id: 1, delay_time: 0 } }, 1002);
    expectCode({ platform: 'all', audience: 'all', options: { time_to_live: 5 } }, 1002);
    parse({ platform: 'all', audience: 'all', message: { msg_content: '' } });
  });

  test('live_activity cannot travel with notification or message (1031)', () => {
    const la = { ios: { event: 'start', 'content-state': {}, 'attributes-type': 'A', attributes: {} } };
    parse({ platform: ['ios'], audience: 'all', live_activity: la });
    expectCode(push({ platform: ['ios'], live_activity: la }), 1031);
    expectCode({ platform: ['ios'], audience: 'all', live_activity: la, message: { msg_content: 'm' } }, 1031);
  });

  test('live activity events and their audience', () => {
    const body = (audience: unknown, ios: Body, platform: unknown = ['ios']) => ({ platform, audience, live_activity: { ios } });
    const start = { event: 'start', 'content-state': {}, 'attributes-type': 'AdventureAttributes', attributes: {} };
    parse(body({ alias: ['a'], tag_not: ['t'] }, start));
    parse(body('all', start, 'all'));
    expectCode(body('all', start, ['android']), 1003, /ios platform/);
    expectCode(body({ live_activity_id: 'x' }, start), 1003, /start/);
    expectCode(body({ segment: ['s'] }, start), 1003, /start/);
    expectCode(body('all', { event: 'start', 'content-state': {}, attributes: {} }), 1002, /attributes-type/);
    expectCode(body('all', { event: 'start', 'content-state': {}, 'attributes-type': 'A' }), 1002, /attributes/);
    parse(body({ live_activity_id: 'x' }, { event: 'end', 'content-state': {}, 'dismissal-date': 1168364460 }));
    expectCode(body({ tag: ['t'] }, { event: 'update', 'content-state': {} }), 1003, /live_activity_id/);
    expectCode(push({ audience: { live_activity_id: 'x' } }), 1003, /live_activity_id/);
  });

  test('notification must not be empty; inapp_message needs notification', () => {
    expectCode(push({ notification: {} }), 1003, /notification/);
    parse(push({ inapp_message: { inapp_message: true } }));
    expectCode({ platform: 'all', audience: 'all', message: { msg_content: 'm' }, inapp_message: { inapp_message: true } }, 1003, /inapp_message/);
  });

  test('platform alerts: own or inherited', () => {
    parse(push({ notification: { alert: 'a', android: {}, ios: {}, quickapp: { title: 't', page: '/p' }, hmos: { category: 'IM' } } }));
    parse(push({ notification: { android: { alert: '' } } }));
    expectCode(push({ notification: { android: { title: 't' } } }), 1002, /notification\.android\.alert/);
    expectCode(push({ notification: { ios: { sound: 'default' } } }), 1002, /notification\.ios\.alert/);
    expectCode(push({ notification: { quickapp: { title: 't', page: '/p' } } }), 1002, /quickapp\.alert/);
    expectCode(push({ notification: { hmos: { category: 'IM' } } }), 1002, /hmos\.alert/);
    // a background (silent) iOS notification has no alert
    parse(push({ notification: { ios: { 'content-available': true } } }));
  });

  test('hmos: category for ordinary notifications, hm_payload for card / live window', () => {
    expectCode(push({ notification: { hmos: { alert: 'a' } } }), 1002, /hmos\.category/);
    parse(push({ notification: { hmos: { alert: 'a', category: 'IM', push_type: 0 } } }));
    expectCode(push({ notification: { hmos: { push_type: 1 } } }), 1002, /hm_payload/);
    expectCode(push({ notification: { hmos: { push_type: 7 } } }), 1002, /hm_payload/);
  });

  test('notification_3rd rules', () => {
    const msg = { message: { msg_content: 'm' } };
    parse({ platform: 'all', audience: 'all', ...msg, notification_3rd: { content: 'c', title: 't' } });
    expectCode(push({ ...msg, notification_3rd: { content: 'c' } }), 1003, /notification and notification_3rd/);
    expectCode({ platform: 'all', audience: 'all', notification_3rd: { content: 'c' } }, 1003, /requires a message/);
    expectCode({ platform: 'all', audience: 'all', message: { msg_content: '' }, notification_3rd: { content: 'c' } }, 1003, /msg_content/);
    expectCode({ platform: 'all', audience: 'all', ...msg, notification_3rd: { title: 't' } }, 1002, /notification_3rd\.content/);
    // v1 (the default) has no platform objects; v2 has nothing but them
    expectCode({ platform: 'all', audience: 'all', ...msg, notification_3rd: { android: { alert: 'a' } } }, 1009, /notification_3rd\.android/);
    const v2 = (n3: Body) => ({ platform: 'all', audience: 'all', ...msg, notification_3rd: n3, options: { notification_3rd_ver: 'v2' } });
    parse(v2({ android: { alert: 'a' }, ios: { alert: 'i' } }));
    expectCode(v2({ content: 'c' }), 1009, /notification_3rd\.content/);
    expectCode(v2({}), 1002, /notification_3rd/);
    expectCode(v2({ android: { title: 't' } }), 1002, /notification_3rd\.android\.alert/);
    expectCode(v2({ ios: { alert: 'a', content_available: true } }), 1009, /notification_3rd\.ios\.content_available/);
  });

  test('callback.url must be http(s)', () => {
    for (const url of ['https://example.com/cb', 'http://10.0.0.1:8080/x?y=1', 'https://***']) parse(push({ callback: { url } }));
    for (const url of ['ftp://example.com', 'example.com/cb', 'http://', 'https:// space', 'javascript:alert(1)']) {
      expectCode(push({ callback: { url } }), 1003, /callback\.url/);
    }
    expectCode(push({ callback: { url: '' } }), 1003, /callback\.url/);
  });
});

describe('translation to the domain Push', () => {
  test('000 request body', () => {
    const body = fixture('000-01-request-body.json');
    const p = parse(body);
    assert.deepEqual(p.platforms, ['android', 'ios', 'hmos', 'quickapp']);
    assert.deepEqual(p.audience, { tag: ['深圳', '北京'] });
    assert.equal(p.sendno, '0');
    assert.equal(p.notification, body.notification);
    assert.equal(p.message, body.message);
    assert.equal(p.smsMessage, body.sms_message);
    assert.deepEqual(p.options, {
      timeToLive: 60,
      apnsProduction: false,
      apnsCollapseId: 'jiguang_test_201706011100',
      bigPushDuration: 0,
      raw: body.options,
    });
    assert.deepEqual(p.callback, { url: 'http://www.bilibili.com', params: { name: 'joe', age: 26 }, type: 3 });
    assert.equal(p.cid, '8103a4c628a0b98974ec1949-711261d4-5f17-4d2f-a855-5e5a8909b26e');
    assert.equal(p.liveActivity, undefined);
    assert.equal(p.inappMessage, undefined);
  });

  test('content blocks keep their wire names', () => {
    const p3 = parse(fixture('000-07-notification-3rd-v2.json'));
    assert.ok(p3.notification3rd?.android);
    assert.equal(p3.notification, undefined);
    const pi = parse(fixture('000-03-inapp-message.json'));
    assert.deepEqual(pi.inappMessage, { inapp_message: true });
  });

  test('audience kinds in camelCase', () => {
    const p = parse(
      withAudience({
        tag: ['a'],
        tag_and: ['b'],
        tag_not: ['c'],
        alias: ['d'],
        registration_id: ['e1'],
        segment: ['f'],
        abtest: ['g'],
      }),
    );
    assert.deepEqual(p.audience, {
      tag: ['a'],
      tagAnd: ['b'],
      tagNot: ['c'],
      alias: ['d'],
      registrationId: ['e1'],
      segment: ['f'],
      abtest: ['g'],
    });
    assert.deepEqual(parse(push()).audience, { all: true });
  });

  test('platforms: "all" expands, duplicates collapse', () => {
    const all = parse(push()).platforms;
    assert.deepEqual(all, [...PLATFORMS]);
    all.pop();
    assert.equal(parse(push()).platforms.length, PLATFORMS.length, 'each push gets its own array');
    assert.deepEqual(parse(push({ platform: ['ios', 'android', 'ios'] })).platforms, ['ios', 'android']);
  });

  test('options absent: defaults and an empty raw object', () => {
    assert.deepEqual(parse(push()).options, { timeToLive: 86_400, apnsProduction: true, bigPushDuration: 0, raw: {} });
  });

  test('the input is not modified', () => {
    const body = fixture('000-01-request-body.json');
    const before = JSON.stringify(body);
    parse(body);
    assert.equal(JSON.stringify(body), before);
  });
});

describe('numeric ranges and the words of schema errors', () => {
  const android = (fields: Body) => push({ notification: { android: { alert: 'a', ...fields } } });
  const hmos = (fields: Body) => push({ platform: ['hmos'], notification: { hmos: { alert: 'a', category: 'IM', ...fields } } });

  test('platform and audience say which shapes they take', () => {
    const platform = 'platform must be "all" or an array of platforms (android, ios, hmos, quickapp)';
    for (const value of ['ios', 5, [], { android: true }]) {
      expectCode(push({ platform: value }), 1003, new RegExp(`^${platform.replace(/[()]/g, '\\$&')}$`));
    }
    expectCode(push({ platform: ['android', 'web'] }), 1003, /^platform\[1\] must be one of "android", "ios", "hmos", "quickapp"$/);
    for (const value of ['everyone', 3, ['all']]) {
      expectCode(withAudience(value), 1003, /^audience must be "all" or an object with any of tag, tag_and, tag_not, alias, registration_id/);
    }
  });

  test('types, patterns and lengths are named in words', () => {
    expectCode(withOptions({ time_to_live: '60' }), 1003, /^options\.time_to_live must be an integer$/);
    expectCode(withOptions({ apns_production: 'yes' }), 1003, /^options\.apns_production must be true or false$/);
    expectCode(push({ notification: { ios: { alert: 'a', badge: true } } }), 1003, /badge must be an integer or a string$/);
    expectCode(push({ notification: { ios: { alert: 'a', badge: '++1' } } }), 1003, /badge must be a number N or a string "N", "\+N" or "-N"/);
    expectCode(withAudience({ tag: ['a b'] }), 1003, /^audience\.tag\[0\] must be letters, digits, Chinese characters/);
    expectCode(withAudience({ registration_id: ['-'] }), 1003, /^audience\.registration_id\[0\] must be a registration id/);
    expectCode(push({ cid: 'nope' }), 1003, /^cid must be a cid issued by GET \/v3\/push\/cid/);
    expectCode(android({ show_begin_time: '2024-01-01' }), 1003, /show_begin_time must be a time written "yyyy-MM-dd HH:mm:ss"/);
    expectCode(withOptions({ override_msg_id: '0x1' }), 1003, /override_msg_id must be a msg_id/);
    expectCode(android({ style: 9 }), 1003, /style must be one of 0, 1, 2, 3$/);
    expectCode(withOptions({ notification_3rd_ver: 'v3' }), 1003, /must be one of "v1", "v2"$/);
    expectCode(withAudience({ segment: ['a', 'b'] }), 1003, /^audience\.segment must have at most 1 item$/);
  });

  test('android priority -2..2, alert_type -1..7; 99 and 1e300 are refused with the range', () => {
    for (const ok of [-2, 0, 2]) parse(android({ priority: ok }));
    for (const bad of [99, 3, -3, 1e300, -1e300]) expectCode(android({ priority: bad }), 1003, /^notification\.android\.priority must be an integer from -2 to 2$/);
    for (const ok of [-1, 7]) parse(android({ alert_type: ok }));
    for (const bad of [8, -2, 1e300]) expectCode(android({ alert_type: bad }), 1003, /alert_type must be an integer from -1 to 7$/);
  });

  test('badge_add_num 1..99 and badge_set_num 0..99 on android, hmos and notification_3rd', () => {
    for (const build of [android, hmos]) {
      parse(build({ badge_add_num: 1 }));
      parse(build({ badge_add_num: 99, badge_set_num: 0 }));
      parse(build({ badge_set_num: 99 }));
      for (const bad of [0, 100, 1e9, 1e300]) expectCode(build({ badge_add_num: bad }), 1003, /badge_add_num must be an integer from 1 to 99$/);
      for (const bad of [-1, 100, 1e9]) expectCode(build({ badge_set_num: bad }), 1003, /badge_set_num must be an integer from 0 to 99$/);
    }
    const third = (fields: Body) => ({ platform: 'all', audience: 'all', message: { msg_content: 'm' }, notification_3rd: { content: 'c', ...fields } });
    parse(third({ badge_add_num: 5 }));
    expectCode(third({ badge_add_num: 1e9 }), 1003, /notification_3rd\.badge_add_num must be an integer from 1 to 99$/);
  });

  test('documented ranges of options, sms_message and callback', () => {
    expectCode(withOptions({ time_to_live: 864_001 }), 1003, /time_to_live must be an integer from 0 to 864000$/);
    expectCode(withOptions({ big_push_duration: 1401 }), 1003, /big_push_duration must be an integer from 0 to 1400$/);
    expectCode(withOptions({ classification: 2 }), 1003, /classification must be one of 0, 1$/);
    expectCode(withOptions({ sendno: 1e300 }), 1003, /sendno must be an integer from 0 to 9007199254740991$/);
    expectCode(push({ sms_message: { temp_id: 1e300, delay_time: 0 } }), 1003, /temp_id must be an integer from 1 to/);
    expectCode(push({ sms_message: { temp_id: 1, delay_time: -1 } }), 1003, /delay_time must be an integer from 0 to 86400$/);
    expectCode(push({ callback: { type: 16 } }), 1003, /callback\.type must be an integer from 1 to 15$/);
  });

  test('fields typed int without a documented range stop at 2^31-1 and refuse negatives', () => {
    const max = 2 ** 31 - 1;
    parse(android({ builder_id: max }));
    for (const bad of [max + 1, -1, 1e300]) expectCode(android({ builder_id: bad }), 1003, /builder_id must be an integer from 0 to 2147483647$/);
    expectCode(hmos({ push_type: 1e300 }), 1003, /hmos\.push_type must be an integer from 0 to 2147483647$/);
    expectCode(hmos({ sound_duration: -5 }), 1003, /sound_duration must be an integer from 0/);
    expectCode(withOptions({ third_party_channel: { oppo: { notify_level: 1e300 } } }), 1003, /oppo\.notify_level must be an integer from 0/);
    expectCode(withOptions({ third_party_channel: { huawei: { hw_push_type: 1e10 } } }), 1003, /hw_push_type must be an integer from 0/);
    expectCode(withOptions({ third_party_channel: { oppo: { badge_message_count: -1 } } }), 1003, /badge_message_count must be an integer from 0/);
    expectCode(push({ notification: { ios: { alert: 'a', badge: 1e300 } } }), 1003, /ios\.badge must be an integer from 0 to 999999999$/);
  });

  test('every integer of the schema has a range or a list of values (a new field cannot forget it)', () => {
    const unbounded: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (types.includes('integer') && schema.enum === undefined && (typeof schema.minimum !== 'number' || typeof schema.maximum !== 'number')) {
        unbounded.push(path);
      }
      for (const [key, value] of Object.entries(schema)) walk(value, `${path}/${key}`);
    };
    walk(PUSH_SCHEMA, '#');
    // its range depends on whether it came as a number or a string: checked in code, tested above
    const inCode = ['#/properties/options/properties/override_msg_id'];
    assert.deepEqual(unbounded, inCode, 'integer fields without minimum and maximum');
    expectCode(withOptions({ override_msg_id: 1e300 }), 1003, /override_msg_id/);
  });
});

test('the schema split into functions finds the same first error as the schema compiled whole (mutated pushes)', () => {
  const whole = new Ajv(AJV_OPTIONS).compile(PUSH_SCHEMA);
  const split = new Ajv({ ...AJV_OPTIONS, inlineRefs: false }).compile(splitSchema(PUSH_SCHEMA));
  const first = (v: typeof whole, body: unknown) => {
    if (v(body)) return 'valid';
    const e = (v.errors as ErrorObject[])[0] as ErrorObject;
    const answer = schemaError(e); // the words use parentSchema, which is a copy in the split schema
    return { keyword: e.keyword, instancePath: e.instancePath, params: e.params, code: answer.code, message: answer.message };
  };
  const bases: unknown[] = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).map((f) => fixture(f));
  bases.push(withOptions({ third_party_channel: { xiaomi: { distribution: 'ospush', channel_id: 'c' }, oppo: { notify_level: 2 }, hmos: { distribution: 'jpush' } }, sendno: 1 }));
  const random = mulberry32(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const odd = [null, true, 0, -1, 1.5, 1e300, '', 'x', '+1', [], ['x'], {}, { x: 1 }, 'all', 'android'];
  const mutate = (value: unknown, depth: number): unknown => {
    if (value !== null && typeof value === 'object' && depth < 7 && random() < 0.8) {
      if (Array.isArray(value)) return value.map((v) => (random() < 0.4 ? mutate(v, depth + 1) : v));
      const copy = { ...(value as Record<string, unknown>) };
      const keys = Object.keys(copy);
      const r = random();
      if (r < 0.15 && keys.length > 0) delete copy[pick(keys)];
      else if (r < 0.3) copy[pick(['x', 'alert', 'title', 'extras', 'distribution', 'badge', 'event', ...keys])] = pick(odd);
      else if (keys.length > 0) {
        const key = pick(keys);
        copy[key] = mutate(copy[key], depth + 1);
      }
      return copy;
    }
    return pick(odd);
  };
  let invalid = 0;
  for (let i = 0; i < 4000; i++) {
    const body = mutate(pick(bases), 0);
    const expected = first(whole, body);
    if (expected !== 'valid') invalid++;
    assert.deepEqual(first(split, body), expected, JSON.stringify(body));
  }
  assert.ok(invalid > 1000, `${invalid} invalid bodies`);
});
