import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Credentials } from '../../src/apps/credentials.js';
import { call, errorCode, startTestServer, type JsonResponse, type TestDevice, type TestServer } from '../helpers/server.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function assertError(res: JsonResponse, status: number, code: number, what = ''): void {
  assert.equal(res.status, status, `${what} status (${res.text})`);
  assert.equal(errorCode(res), code, `${what} code (${res.text})`);
}

/** JPush answers most changes with 200 and no body at all. */
function assertEmpty200(res: JsonResponse, what = ''): void {
  assert.equal(res.status, 200, `${what} (${res.text})`);
  assert.equal(res.text, '', what);
}

describe('JPush Device API', () => {
  let server: TestServer;
  let other: Credentials;
  let seq = 0;
  /** A tag or alias name no other test uses. */
  const fresh = (prefix = 't') => `${prefix}${++seq}`;

  const device = (spec: { platform?: string; tags?: string[]; alias?: string } = {}, owner?: Credentials) =>
    server.registerDevice(owner ?? server.app, spec);
  const stored = async (d: TestDevice) => {
    const rec = await server.node.ctx.registry.get(d.appKey, d.registrationId);
    assert.ok(rec);
    return rec;
  };
  const getDevice = (d: TestDevice, auth?: Credentials) => call(server, 'GET', `/v3/devices/${d.registrationId}`, { auth });
  const setDevice = (d: TestDevice, body: unknown, auth?: Credentials) =>
    call(server, 'POST', `/v3/devices/${d.registrationId}`, { body, auth });
  const push = (audience: unknown, auth?: Credentials) =>
    call(server, 'POST', '/v3/push', { body: { platform: 'all', audience, notification: { alert: 'hi' } }, auth });
  const status = (ids: unknown, auth?: Credentials) =>
    call(server, 'POST', '/v3/devices/status', { body: { registration_ids: ids }, auth });
  const tagPath = (tag: string) => `/v3/tags/${encodeURIComponent(tag)}`;
  const aliasPath = (alias: string) => `/v3/aliases/${encodeURIComponent(alias)}`;
  /** Well-formed registration ids that no device has. */
  const unknownIds = (n: number) => Array.from({ length: n }, (_, i) => `f${String(i).padStart(18, '0')}`);

  before(async () => {
    server = await startTestServer();
    other = await server.createApp('other');
  });
  after(async () => {
    await server.close();
  });

  describe('authentication', () => {
    test('no Authorization header: 401 with 7001', async () => {
      assertError(await call(server, 'GET', '/v3/tags', { auth: null }), 401, 7001);
      assertError(await call(server, 'POST', '/v3/devices/status', { auth: null, body: {} }), 401, 7001);
    });

    test('wrong credentials: 401 with 7004', async () => {
      assertError(await call(server, 'GET', '/v3/tags', { auth: { ...server.app, masterSecret: 'wrong' } }), 401, 7004);
      assertError(await call(server, 'GET', '/v3/tags', { auth: 'Basic ' + Buffer.from('nokey:nosecret').toString('base64') }), 401, 7004);
    });

    test('authenticated answers carry the rate-limit headers', async () => {
      const res = await call(server, 'GET', '/v3/tags');
      assert.equal(res.status, 200);
      assert.ok(Number(res.headers.get('x-rate-limit-limit')) > 0);
      assert.ok(res.headers.get('x-rate-limit-remaining') !== null);
      assert.ok(res.headers.get('x-rate-limit-reset') !== null);
    });
  });

  describe('GET /v3/devices/{registration_id}', () => {
    test('answers tags, alias and mobile', async () => {
      const res = await getDevice(server.devices[0]!);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { tags: ['a', 'b'], alias: 'someone', mobile: null });
    });

    test('a new device has no tags and null alias and mobile', async () => {
      const res = await getDevice(await device());
      assert.deepEqual(res.body, { tags: [], alias: null, mobile: null });
    });

    test('unknown, malformed and other apps\' ids are all 400 / 7002, alike', async () => {
      const theirs = await device({ alias: 'secret' }, other);
      const answers = [];
      for (const rid of ['f000000000000000000', 'not-an-id', 'x'.repeat(65), theirs.registrationId]) {
        const res = await call(server, 'GET', `/v3/devices/${encodeURIComponent(rid)}`);
        assertError(res, 400, 7002, rid);
        answers.push(res.text);
      }
      // The other app's device gets the very answer an unknown well-formed id gets.
      assert.equal(answers[3], answers[0]);
      assert.equal((await getDevice(theirs, other)).status, 200);
    });
  });

  describe('POST /v3/devices/{registration_id}', () => {
    test('adds and removes tags, sets alias and mobile; 200 with an empty body', async () => {
      const d = await device({ tags: ['old', 'keep'] });
      assertEmpty200(await setDevice(d, { tags: { add: ['new1', 'new2'], remove: ['old'] }, alias: 'al1', mobile: '13012345678' }));
      assert.deepEqual((await getDevice(d)).body, { tags: ['keep', 'new1', 'new2'], alias: 'al1', mobile: '13012345678' });
    });

    test('"" clears tags, alias and mobile; null or absent leaves them', async () => {
      const d = await device({ tags: ['x1', 'x2'], alias: fresh('al') });
      assertEmpty200(await setDevice(d, { mobile: '+8613012345678' }));
      const before = (await getDevice(d)).body;
      assertEmpty200(await setDevice(d, { tags: null, alias: null, mobile: null }));
      assertEmpty200(await setDevice(d, {}));
      assertEmpty200(await setDevice(d, { tags: {} }));
      assert.deepEqual((await getDevice(d)).body, before);
      assertEmpty200(await setDevice(d, { tags: '', alias: '', mobile: '' }));
      assert.deepEqual((await getDevice(d)).body, { tags: [], alias: null, mobile: null });
    });

    test('hostile or mistyped bodies are 400 / 7002 and change nothing', async () => {
      const d = await device({ tags: ['stay'], alias: fresh('al') });
      const before = (await getDevice(d)).body;
      const bodies: unknown[] = [
        [],
        'tags',
        42,
        { tags: 'x' },
        { tags: ['a'] },
        { tags: 5 },
        { tags: { add: 'a' } },
        { tags: { add: [1] } },
        { tags: { add: [null] } },
        { tags: { add: [{}] } },
        { tags: { set: ['a'] } },
        { tags: { add: ['has space'] } },
        { tags: { add: [''] } },
        { tags: { remove: ['a\u0000b'] } },
        { alias: 5 },
        { alias: ['a'] },
        { alias: 'bad alias' },
        { alias: 'a'.repeat(41) },
        { mobile: 130 },
        { mobile: 'phone' },
        { tag: { add: ['a'] } },
        // one bad part spoils the whole request: the good parts are not applied either
        { tags: { add: ['good'] }, alias: 'good', mobile: 'bad' },
        { tags: { add: ['good'] }, alias: 'bad alias', mobile: '13000000000' },
      ];
      for (const body of bodies) assertError(await setDevice(d, body), 400, 7002, JSON.stringify(body));
      for (const raw of ['{"tags":', 'not json', '']) {
        const res = await call(server, 'POST', `/v3/devices/${d.registrationId}`, { raw, headers: { 'content-type': 'application/json' } });
        assertError(res, 400, 7002, JSON.stringify(raw));
      }
      assert.deepEqual((await getDevice(d)).body, before);
    });

    test('unknown or other apps\' devices cannot be changed', async () => {
      const theirs = await device({ tags: ['theirs'] }, other);
      assertError(await setDevice(theirs, { tags: { add: ['mine'] }, alias: 'mine' }), 400, 7002);
      assertError(await call(server, 'POST', '/v3/devices/f000000000000000000', { body: { alias: 'a' } }), 400, 7002);
      assert.deepEqual((await getDevice(theirs, other)).body, { tags: ['theirs'], alias: null, mobile: null });
    });

    test('at most 100 tags per add and per remove', async () => {
      const d = await device();
      const tags = (n: number) => Array.from({ length: n }, (_, i) => `l${String(i).padStart(3, '0')}`);
      assertError(await setDevice(d, { tags: { add: tags(101) } }), 400, 7002);
      assertError(await setDevice(d, { tags: { remove: tags(101) } }), 400, 7002);
      assert.deepEqual((await stored(d)).tags, []);
      assertEmpty200(await setDevice(d, { tags: { add: tags(100) } }));
      assert.equal((await stored(d)).tags.length, 100);
      assertEmpty200(await setDevice(d, { tags: { remove: tags(100) } }));
      assert.equal((await stored(d)).tags.length, 0);
    });

    test('a tag is at most 40 bytes of UTF-8; a list at most 1000 bytes', async () => {
      const d = await device();
      assertEmpty200(await setDevice(d, { tags: { add: ['a'.repeat(40), '中'.repeat(13)] } }));
      assertError(await setDevice(d, { tags: { add: ['a'.repeat(41)] } }), 400, 7002);
      assertError(await setDevice(d, { tags: { add: ['中'.repeat(14)] } }), 400, 7002); // 42 bytes
      assertError(await setDevice(d, { alias: 'b'.repeat(41) }), 400, 7002);
      assertEmpty200(await setDevice(d, { alias: 'b'.repeat(40) }));
      const long = (n: number) => Array.from({ length: n }, (_, i) => `${String(i).padStart(2, '0')}${'z'.repeat(38)}`);
      assertEmpty200(await setDevice(d, { tags: { add: long(25) } })); // 1000 bytes
      assertError(await setDevice(d, { tags: { add: long(26) } }), 400, 7002); // 1040 bytes
      assert.equal((await stored(d)).tags.length, 27);
    });

    test('a device holds at most 1000 tags', async () => {
      const d = await device();
      for (let batch = 0; batch < 10; batch++) {
        const add = Array.from({ length: 100 }, (_, i) => `m${batch}_${i}`);
        assertEmpty200(await setDevice(d, { tags: { add } }), `batch ${batch}`);
      }
      assert.equal((await stored(d)).tags.length, 1000);
      assertError(await setDevice(d, { tags: { add: ['one_more'] }, alias: fresh('al') }), 400, 7002);
      const after = await stored(d);
      assert.equal(after.tags.length, 1000);
      assert.equal(after.alias, null, 'nothing else applied either');
      // swapping one for another stays within the limit
      assertEmpty200(await setDevice(d, { tags: { add: ['one_more'], remove: ['m0_0'] } }));
      assert.ok((await stored(d)).tags.includes('one_more'));
    });

    test('an alias names at most 10 devices (7015); the refused request changes nothing', async () => {
      const alias = fresh('crowd');
      for (let i = 0; i < 10; i++) await device({ alias });
      const eleventh = await device();
      assertError(await setDevice(eleventh, { alias, tags: { add: ['extra'] } }), 400, 7015);
      assert.deepEqual((await getDevice(eleventh)).body, { tags: [], alias: null, mobile: null });
      // a device already holding the alias may set it again
      const holder = (await server.node.ctx.registry.aliasDevices(server.app.appKey, alias))[0]!;
      assertEmpty200(await call(server, 'POST', `/v3/devices/${holder.registrationId}`, { body: { alias } }));
    });

    test('tag changes reach the push audience', async () => {
      const d = await device();
      const vip = fresh('vip');
      assertError(await push({ tag: [vip] }), 400, 1011, 'before');
      assertEmpty200(await setDevice(d, { tags: { add: [vip] } }));
      assert.equal((await push({ tag: [vip] })).status, 200);
      assertEmpty200(await setDevice(d, { tags: { remove: [vip] } }));
      assertError(await push({ tag: [vip] }), 400, 1011, 'after remove');
      assertEmpty200(await setDevice(d, { tags: { add: [vip] } }));
      assertEmpty200(await setDevice(d, { tags: '' }));
      assertError(await push({ tag: [vip] }), 400, 1011, 'after clear');
    });

    test('alias changes reach the push audience', async () => {
      const d = await device();
      const alias = fresh('who');
      assertEmpty200(await setDevice(d, { alias }));
      assert.equal((await push({ alias: [alias] })).status, 200);
      assertEmpty200(await setDevice(d, { alias: '' }));
      assertError(await push({ alias: [alias] }), 400, 1011);
    });
  });

  describe('POST /v3/devices/status', () => {
    const markOnline = (d: TestDevice, at: number) =>
      stored(d).then((rec) => server.node.ctx.store.devices.markOnline(d.appKey, [rec.num], at));

    test('online within 10 minutes; last_online_time within 2 days; ids not of this app omitted', async () => {
      const recent = await device();
      const hourAgo = await device();
      const longAgo = await device();
      const never = await device();
      const theirs = await device({}, other);
      const now = Date.now();
      await markOnline(recent, now - 5 * MINUTE);
      const hourAgoAt = now - 60 * MINUTE;
      await markOnline(hourAgo, hourAgoAt);
      await markOnline(longAgo, now - 3 * DAY);
      await markOnline(theirs, now);
      const res = await status([recent, hourAgo, longAgo, never, theirs].map((d) => d.registrationId).concat(['f000000000000000000', 'bad-id']));
      assert.equal(res.status, 200);
      const expected = new Date(hourAgoAt).toISOString().slice(0, 19).replace('T', ' ');
      assert.deepEqual(res.body, {
        [recent.registrationId]: { online: true },
        [hourAgo.registrationId]: { online: false, last_online_time: expected },
        [longAgo.registrationId]: { online: false },
        [never.registrationId]: { online: false },
      });
      assert.match(expected, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    });

    test('a device connected to this node now is online', async () => {
      const d = await device({ alias: fresh('conn') });
      const ws = await connect(server, d);
      try {
        assert.deepEqual((await status([d.registrationId])).body, { [d.registrationId]: { online: true } });
        // the Node SDK's spelling, with a trailing slash
        const sdkPath = await call(server, 'POST', '/v3/devices/status/', { body: { registration_ids: [d.registrationId] } });
        assert.deepEqual(sdkPath.body, { [d.registrationId]: { online: true } });
      } finally {
        ws.close();
      }
    });

    test('1000 ids are accepted, 1001 are not; the list must be a non-empty array of strings', async () => {
      const ids = unknownIds(1000);
      ids[500] = server.devices[0]!.registrationId;
      const ok = await status(ids);
      assert.equal(ok.status, 200);
      assert.deepEqual(Object.keys(ok.body as object), [server.devices[0]!.registrationId]);
      assertError(await status(unknownIds(1001)), 400, 7002, '1001');
      for (const bad of [[], 'rid', null, [1], [server.devices[0]!.registrationId, {}], { a: 1 }]) {
        assertError(await status(bad), 400, 7002, JSON.stringify(bad));
      }
      assertError(await call(server, 'POST', '/v3/devices/status', { body: { registration_ids: ['x'], extra: 1 } }), 400, 7002);
      assertError(await call(server, 'POST', '/v3/devices/status', { body: ['x'] }), 400, 7002);
    });
  });

  describe('GET /v3/tags', () => {
    test('lists the app\'s own tags only', async () => {
      const app = await server.createApp('own-tags');
      await device({ tags: ['only_mine'] }, app);
      const res = await call(server, 'GET', '/v3/tags', { auth: app });
      assert.equal(res.status, 200);
      // the default devices' tags a and b, and the new one
      assert.deepEqual(res.body, { tags: ['a', 'b', 'only_mine'] });
      assert.deepEqual((await call(server, 'GET', '/v3/tags/', { auth: app })).body, res.body, 'trailing slash');
      const theirs = await call(server, 'GET', '/v3/tags', { auth: other });
      assert.ok(!(theirs.body as { tags: string[] }).tags.includes('only_mine'));
    });

    test('answers at most 100 tags', async () => {
      const app = await server.createApp('many-tags');
      const d = await device({}, app);
      const add = (from: number, n: number) => Array.from({ length: n }, (_, i) => `n${String(from + i).padStart(3, '0')}`);
      assertEmpty200(await setDevice(d, { tags: { add: add(0, 100) } }, app));
      assertEmpty200(await setDevice(d, { tags: { add: add(100, 5) } }, app));
      const res = await call(server, 'GET', '/v3/tags', { auth: app });
      const tags = (res.body as { tags: string[] }).tags;
      assert.equal(tags.length, 100);
      assert.deepEqual(Object.keys(res.body as object), ['tags']);
    });
  });

  describe('GET /v3/tags/{tag}/registration_ids/{registration_id}', () => {
    const member = (tag: string, rid: string, auth?: Credentials) =>
      call(server, 'GET', `${tagPath(tag)}/registration_ids/${encodeURIComponent(rid)}`, { auth });

    test('answers result true or false', async () => {
      const rid = server.devices[0]!.registrationId;
      assert.deepEqual((await member('a', rid)).body, { result: true });
      assert.deepEqual((await member('zz_none', rid)).body, { result: false });
    });

    test('URL-encoded Chinese tags work', async () => {
      const d = await device({ tags: ['中文标签'] });
      const res = await member('中文标签', d.registrationId);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { result: true });
      const maxLen = '标'.repeat(13);
      assertEmpty200(await setDevice(d, { tags: { add: [maxLen] } }));
      assert.deepEqual((await member(maxLen, d.registrationId)).body, { result: true });
    });

    test('the doubled slash the Node SDK sends is understood', async () => {
      const res = await call(server, 'GET', `/v3/tags//a/registration_ids/${server.devices[0]!.registrationId}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { result: true });
    });

    test('bad tags and unknown or foreign ids are 400 / 7002', async () => {
      const rid = server.devices[0]!.registrationId;
      for (const tag of ['a b', 'a'.repeat(41), 'a'.repeat(300), '中'.repeat(14), 'a\u0000', '<script>']) {
        assertError(await member(tag, rid), 400, 7002, JSON.stringify(tag));
      }
      const theirs = await device({ tags: ['a'] }, other);
      assertError(await member('a', theirs.registrationId), 400, 7002);
      assertError(await member('a', 'f000000000000000000'), 400, 7002);
      assertError(await member('a', 'bad-id'), 400, 7002);
      assertError(await member('a', 'x'.repeat(500)), 400, 7002);
    });
  });

  describe('POST /v3/tags/{tag}', () => {
    const members = (tag: string, body: unknown, auth?: Credentials) => call(server, 'POST', tagPath(tag), { body, auth });

    test('adds and removes devices; 200 with an empty body; reaches the push audience', async () => {
      const tag = fresh('grp');
      const [d1, d2] = [await device(), await device({ platform: 'ios' })];
      assertEmpty200(await members(tag, { registration_ids: { add: [d1.registrationId, d2.registrationId] } }));
      assert.ok((await stored(d1)).tags.includes(tag));
      assert.ok((await stored(d2)).tags.includes(tag));
      assert.equal((await push({ tag: [tag] })).status, 200);
      assertEmpty200(await members(tag, { registration_ids: { remove: [d1.registrationId, d2.registrationId] } }));
      assert.ok(!(await stored(d1)).tags.includes(tag));
      assertError(await push({ tag: [tag] }), 400, 1011);
    });

    test('ids not of this app: 7013 with illegal_rids; the legal part is applied', async () => {
      const tag = fresh('grp');
      const mine = await device();
      const theirs = await device({}, other);
      const res = await members(tag, {
        registration_ids: { add: [mine.registrationId, theirs.registrationId, 'f000000000000000000', 'bad-id'] },
      });
      assertError(res, 400, 7013);
      const body = res.body as { error: { illegal_rids: string[]; message: string } };
      assert.deepEqual([...body.error.illegal_rids].sort(), ['bad-id', 'f000000000000000000', theirs.registrationId].sort());
      assert.ok((await stored(mine)).tags.includes(tag), 'the legal id was applied');
      assert.ok(!(await stored(theirs)).tags.includes(tag), 'the other app is untouched');
    });

    test('1000 ids per list are accepted, 1001 are not', async () => {
      const tag = fresh('grp');
      const mine = await device();
      const ids = unknownIds(1000);
      ids[0] = mine.registrationId;
      const res = await members(tag, { registration_ids: { add: ids } });
      assertError(res, 400, 7013);
      assert.equal((res.body as { error: { illegal_rids: string[] } }).error.illegal_rids.length, 999);
      assert.ok((await stored(mine)).tags.includes(tag));
      const tooMany = [mine.registrationId, ...unknownIds(1000)];
      assertError(await members(tag, { registration_ids: { remove: tooMany } }), 400, 7002);
      assertError(await members(tag, { registration_ids: { add: tooMany } }), 400, 7002);
      assert.ok((await stored(mine)).tags.includes(tag), 'the refused request removed nothing');
    });

    test('malformed requests are 400 / 7002', async () => {
      const rid = server.devices[0]!.registrationId;
      const bodies: unknown[] = [
        {},
        { registration_ids: {} },
        { registration_ids: { add: [], remove: [] } },
        { registration_ids: [rid] },
        { registration_ids: { add: rid } },
        { registration_ids: { add: [5] } },
        { registration_ids: { set: [rid] } },
        { registration_ids: { add: [rid] }, other: true },
        [],
      ];
      for (const body of bodies) assertError(await members('a', body), 400, 7002, JSON.stringify(body));
      assertError(await members('bad tag', { registration_ids: { add: [rid] } }), 400, 7002);
      assertError(await members('a'.repeat(41), { registration_ids: { add: [rid] } }), 400, 7002);
      assertError(await members('a'.repeat(200), { registration_ids: { add: [rid] } }), 400, 7002);
    });
  });

  describe('DELETE /v3/tags/{tag}', () => {
    test('removes the tag from every device; the push audience follows', async () => {
      const tag = fresh('gone');
      await device({ tags: [tag] });
      await device({ platform: 'ios', tags: [tag] });
      const theirs = await device({ tags: [tag] }, other);
      assert.equal((await push({ tag: [tag] })).status, 200);
      assertEmpty200(await call(server, 'DELETE', tagPath(tag)));
      assertError(await push({ tag: [tag] }), 400, 1011);
      assert.ok(!((await call(server, 'GET', '/v3/tags')).body as { tags: string[] }).tags.includes(tag));
      assert.ok((await stored(theirs)).tags.includes(tag), 'the other app keeps its tag');
      assert.equal((await push({ tag: [tag] }, other)).status, 200);
    });

    test('?platform= limits the deletion', async () => {
      const tag = fresh('plat');
      const android = await device({ tags: [tag] });
      const ios = await device({ platform: 'ios', tags: [tag] });
      assertEmpty200(await call(server, 'DELETE', `${tagPath(tag)}?platform=ios`));
      assert.ok((await stored(android)).tags.includes(tag));
      assert.ok(!(await stored(ios)).tags.includes(tag));
      // as the Node SDK spells it: doubled slash, trailing slash
      assertEmpty200(await call(server, 'DELETE', `/v3/tags//${encodeURIComponent(tag)}/?platform=android,ios`));
      assert.ok(!(await stored(android)).tags.includes(tag));
    });

    test('unknown tags are fine; bad tags and platforms are 400 / 7002', async () => {
      assertEmpty200(await call(server, 'DELETE', tagPath(fresh('never'))));
      assertError(await call(server, 'DELETE', tagPath('bad tag')), 400, 7002);
      assertError(await call(server, 'DELETE', `${tagPath('a')}?platform=windows`), 400, 7002);
      assertError(await call(server, 'DELETE', `${tagPath('a')}?platform=ios&platform=android`), 400, 7002);
      assert.ok((await stored(server.devices[0]!)).tags.includes('a'), 'nothing deleted by refused requests');
    });
  });

  describe('GET /v3/aliases/{alias}', () => {
    test('legacy format lists registration ids; new_format=true lists details', async () => {
      const alias = fresh('pair');
      const a = await device({ alias });
      const i = await device({ platform: 'ios', alias });
      const seenAt = Date.UTC(2024, 0, 15, 23, 59, 59);
      await server.node.ctx.store.devices.markOnline(a.appKey, [(await stored(a)).num], seenAt);
      const legacy = await call(server, 'GET', aliasPath(alias));
      assert.equal(legacy.status, 200);
      assert.deepEqual(legacy.body, { registration_ids: [a.registrationId, i.registrationId] });
      const detailed = await call(server, 'GET', `${aliasPath(alias)}?new_format=true`);
      assert.deepEqual(detailed.body, {
        data: [
          { registration_id: a.registrationId, platform: 'android', last_online_date: '2024-01-15' },
          { registration_id: i.registrationId, platform: 'ios', last_online_date: null },
        ],
      });
      const iosOnly = await call(server, 'GET', `${aliasPath(alias)}/?platform=ios`);
      assert.deepEqual(iosOnly.body, { registration_ids: [i.registrationId] });
      assert.deepEqual((await call(server, 'GET', `${aliasPath(alias)}?new_format=false`)).body, legacy.body);
    });

    test('a connected device was online today', async () => {
      const alias = fresh('live');
      const d = await device({ alias });
      const ws = await connect(server, d);
      try {
        const res = await call(server, 'GET', `${aliasPath(alias)}?new_format=true`);
        const today = new Date().toISOString().slice(0, 10);
        assert.deepEqual(res.body, { data: [{ registration_id: d.registrationId, platform: 'android', last_online_date: today }] });
      } finally {
        ws.close();
      }
    });

    test('unknown aliases list nothing; other apps\' devices never show', async () => {
      assert.deepEqual((await call(server, 'GET', aliasPath(fresh('nobody')))).body, { registration_ids: [] });
      const alias = fresh('shared');
      const mine = await device({ alias });
      await device({ alias }, other);
      assert.deepEqual((await call(server, 'GET', aliasPath(alias))).body, { registration_ids: [mine.registrationId] });
    });

    test('bad aliases and parameters are 400 / 7002', async () => {
      assertError(await call(server, 'GET', aliasPath('bad alias')), 400, 7002);
      assertError(await call(server, 'GET', aliasPath('a'.repeat(41))), 400, 7002);
      assertError(await call(server, 'GET', aliasPath('a'.repeat(500))), 400, 7002);
      assertError(await call(server, 'GET', `${aliasPath('x')}?new_format=yes`), 400, 7002);
      assertError(await call(server, 'GET', `${aliasPath('x')}?platform=symbian`), 400, 7002);
    });
  });

  describe('DELETE /v3/aliases/{alias}', () => {
    test('unbinds every device (or those of the platforms given); the push audience follows', async () => {
      const alias = fresh('del');
      const a = await device({ alias });
      const i = await device({ platform: 'ios', alias });
      const theirs = await device({ alias }, other);
      assertEmpty200(await call(server, 'DELETE', `${aliasPath(alias)}?platform=android`));
      assert.equal((await stored(a)).alias, null);
      assert.equal((await stored(i)).alias, alias);
      assertEmpty200(await call(server, 'DELETE', aliasPath(alias)));
      assert.equal((await stored(i)).alias, null);
      assertError(await push({ alias: [alias] }), 400, 1011);
      assert.equal((await stored(theirs)).alias, alias, 'the other app keeps its alias');
      assert.equal((await push({ alias: [alias] }, other)).status, 200);
    });

    test('bad aliases and platforms are 400 / 7002', async () => {
      assertError(await call(server, 'DELETE', aliasPath('bad alias')), 400, 7002);
      assertError(await call(server, 'DELETE', `${aliasPath('someone')}?platform=nope`), 400, 7002);
      assert.equal((await stored(server.devices[0]!)).alias, 'someone');
    });
  });

  describe('POST /v3/aliases/{alias}', () => {
    const unbind = (alias: string, body: unknown, auth?: Credentials) => call(server, 'POST', aliasPath(alias), { body, auth });

    test('unbinds the devices named; 200 with an empty body; the push audience follows', async () => {
      const alias = fresh('rm');
      const a = await device({ alias });
      const b = await device({ alias });
      assertEmpty200(await unbind(alias, { registration_ids: { remove: [a.registrationId] } }));
      assert.equal((await stored(a)).alias, null);
      assert.equal((await stored(b)).alias, alias);
      assert.equal((await push({ alias: [alias] })).status, 200);
      assertEmpty200(await unbind(alias, { registration_ids: { remove: [b.registrationId] } }));
      assertError(await push({ alias: [alias] }), 400, 1011);
    });

    test('ids not bound to the alias: 7013 with illegal_rids; the others are unbound', async () => {
      const alias = fresh('rm');
      const bound = await device({ alias });
      const unbound = await device();
      const theirs = await device({ alias }, other);
      const res = await unbind(alias, {
        registration_ids: { remove: [bound.registrationId, unbound.registrationId, theirs.registrationId, 'bad-id'] },
      });
      assertError(res, 400, 7013);
      const illegal = (res.body as { error: { illegal_rids: string[] } }).error.illegal_rids;
      assert.deepEqual([...illegal].sort(), [unbound.registrationId, theirs.registrationId, 'bad-id'].sort());
      assert.equal((await stored(bound)).alias, null);
      assert.equal((await stored(theirs)).alias, alias, 'the other app keeps its binding');
    });

    test('1000 ids are accepted, 1001 are not; malformed requests are 400 / 7002', async () => {
      const alias = fresh('rm');
      const d = await device({ alias });
      const tooMany = [d.registrationId, ...unknownIds(1000)];
      assertError(await unbind(alias, { registration_ids: { remove: tooMany } }), 400, 7002);
      assert.equal((await stored(d)).alias, alias);
      const res = await unbind(alias, { registration_ids: { remove: tooMany.slice(0, 1000) } });
      assertError(res, 400, 7013);
      assert.equal((res.body as { error: { illegal_rids: string[] } }).error.illegal_rids.length, 999);
      assert.equal((await stored(d)).alias, null);
      const bodies: unknown[] = [
        {},
        { registration_ids: {} },
        { registration_ids: { remove: [] } },
        { registration_ids: { add: [d.registrationId] } },
        { registration_ids: { remove: d.registrationId } },
        { registration_ids: { remove: [7] } },
        { registration_ids: [d.registrationId] },
      ];
      for (const body of bodies) assertError(await unbind(alias, body), 400, 7002, JSON.stringify(body));
      assertError(await unbind('bad alias', { registration_ids: { remove: [d.registrationId] } }), 400, 7002);
    });
  });

  describe('paths and methods', () => {
    test('wrong methods are 405 with Allow and an error body', async () => {
      const rid = server.devices[0]!.registrationId;
      const cases: [string, string, string][] = [
        ['DELETE', `/v3/devices/${rid}`, 'GET, POST'],
        ['PUT', `/v3/devices/${rid}`, 'GET, POST'],
        ['GET', '/v3/devices/status', 'POST'],
        ['POST', '/v3/tags', 'GET'],
        ['DELETE', '/v3/tags', 'GET'],
        ['GET', '/v3/tags/a', 'POST, DELETE'],
        ['PUT', '/v3/tags/a', 'POST, DELETE'],
        ['POST', `/v3/tags/a/registration_ids/${rid}`, 'GET'],
        ['PATCH', '/v3/aliases/x', 'GET, DELETE, POST'],
      ];
      for (const [method, path, allow] of cases) {
        const res = await call(server, method, path, { body: method === 'GET' ? undefined : {} });
        assertError(res, 405, 7002, `${method} ${path}`);
        assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      }
    });

    test('unknown paths below the Device API are 404 with an error body', async () => {
      for (const path of ['/v3/tags/a/b', '/v3/tags/a/registration_ids', '/v3/devices/a/b/c', '/v3/aliases/x/y']) {
        const res = await call(server, 'GET', path);
        assert.equal(res.status, 404, path);
        assert.equal(typeof errorCode(res), 'number', path);
      }
    });

    test('overlong and odd path parameters are 400 / 7002, never 5xx', async () => {
      const rid = server.devices[0]!.registrationId;
      const paths = [
        `/v3/devices/${'a'.repeat(5000)}`,
        `/v3/devices/%00`,
        `/v3/devices/${encodeURIComponent('../../etc')}`,
        `/v3/tags/${'%E4%B8%AD'.repeat(200)}/registration_ids/${rid}`,
        `/v3/tags/%2Fa/registration_ids/${rid}`,
        `/v3/aliases/${'x'.repeat(3000)}`,
        `/v3/aliases/%F0%9F%98%80`,
      ];
      for (const path of paths) assertError(await call(server, 'GET', path), 400, 7002, path.slice(0, 60));
    });

    test('another app can neither see nor change this app\'s devices, tags or aliases', async () => {
      const tag = fresh('iso');
      const alias = fresh('iso');
      const mine = await device({ tags: [tag], alias });
      assertError(await getDevice(mine, other), 400, 7002);
      assertError(await setDevice(mine, { tags: '' }, other), 400, 7002);
      assertError(await call(server, 'GET', `${tagPath(tag)}/registration_ids/${mine.registrationId}`, { auth: other }), 400, 7002);
      const res = await call(server, 'POST', tagPath(tag), { auth: other, body: { registration_ids: { remove: [mine.registrationId] } } });
      assertError(res, 400, 7013);
      assertEmpty200(await call(server, 'DELETE', tagPath(tag), { auth: other }));
      assertEmpty200(await call(server, 'DELETE', aliasPath(alias), { auth: other }));
      assertError(
        await call(server, 'POST', aliasPath(alias), { auth: other, body: { registration_ids: { remove: [mine.registrationId] } } }),
        400,
        7013,
      );
      assert.deepEqual((await call(server, 'GET', aliasPath(alias), { auth: other })).body, { registration_ids: [] });
      assert.deepEqual(await status([mine.registrationId], other).then((r) => r.body), {});
      assert.ok(!((await call(server, 'GET', '/v3/tags', { auth: other })).body as { tags: string[] }).tags.includes(tag));
      assert.deepEqual((await getDevice(mine)).body, { tags: [tag], alias, mobile: null });
      assert.equal((await push({ tag: [tag], alias: [alias] })).status, 200);
    });
  });
});

/** Opens a device connection and waits until the gateway has authenticated it. */
function connect(server: TestServer, d: TestDevice): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/v1/gateway');
    ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: d.registrationId, device_secret: d.deviceSecret })));
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { t?: string }).t === 'ready') resolve(ws);
    });
    ws.on('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.on('error', reject);
  });
}
