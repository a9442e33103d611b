import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { UmsMessageRecord } from '../../src/store/ums-types.js';
import { contract, type OpenedStore } from './harness.js';

function message(msgid: string, over: Partial<UmsMessageRecord> = {}): UmsMessageRecord {
  return {
    msgid,
    channelKey: 'ck',
    kind: 'sent',
    content: { msg_sms: { temp_id: 1 } },
    ruleId: 0,
    steps: [{ channel: 'sms', delaySeconds: 0, condition: 'always' }],
    sendno: 's1',
    owner: null,
    priority: 2,
    callbackUrl: null,
    callbackParams: null,
    raw: false,
    createdAt: 1_000,
    retractedAt: null,
    ...over,
  };
}

contract('UMS store', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('keeps channels, AccessKeys and sealed messaging credentials', async () => {
    const { ums } = db.store;
    const channel = {
      channelKey: 'ck',
      name: 'shop',
      secretHash: Buffer.from([1, 2, 3]),
      secretSealed: Buffer.from([4, 5]),
      appKey: 'app1',
      enabled: true,
      ownerRequired: false,
      broadcastPerDay: null,
      createdAt: 10,
    };
    await ums.putChannel(channel);
    await ums.putChannel({ ...channel, channelKey: 'ck2', appKey: null, enabled: false, ownerRequired: true, broadcastPerDay: 3, createdAt: 20 });
    assert.deepEqual(await ums.getChannel('ck'), channel);
    await ums.putChannel({ ...channel, name: 'renamed' });
    assert.equal((await ums.getChannel('ck'))?.name, 'renamed');
    assert.deepEqual(
      (await ums.listChannels()).map((c) => [c.channelKey, c.enabled, c.ownerRequired, c.broadcastPerDay, c.appKey]),
      [
        ['ck', true, false, null, 'app1'],
        ['ck2', false, true, 3, null],
      ],
    );
    assert.equal(await ums.getChannel('nope'), undefined);

    const key = { accessKey: 'ak', secretHash: Buffer.from([9]), enabled: true, createdAt: 5 };
    await ums.putAccessKey(key);
    assert.deepEqual(await ums.getAccessKey('ak'), key);
    await ums.putAccessKey({ ...key, enabled: false });
    assert.deepEqual(await ums.listAccessKeys(), [{ ...key, enabled: false }]);
    assert.equal(await ums.getAccessKey('other'), undefined);

    await ums.putCredentials('ck', 'email', Buffer.from('sealed-1'), 1);
    await ums.putCredentials('ck', 'email', Buffer.from('sealed-2'), 2);
    assert.deepEqual(await ums.getCredentials('ck', 'email'), Buffer.from('sealed-2'));
    assert.equal(await ums.getCredentials('ck', 'sms'), undefined);
    assert.equal(await ums.removeCredentials('ck', 'email'), true);
    assert.equal(await ums.removeCredentials('ck', 'email'), false);
  });

  it('changes users in order (set clears before it adds), finds them by tag and address, deletes them', async () => {
    const { ums } = db.store;
    await ums.changeUser(
      'u1',
      [
        { op: 'add', binding: { kind: 'tag', bindId: 'all', value: 'vip' } },
        { op: 'add', binding: { kind: 'tag', bindId: 'ck', value: 'beta' } },
        { op: 'add', binding: { kind: 'phone', bindId: 'all', value: '13800000001' } },
        { op: 'add', binding: { kind: 'phone', bindId: 'all', value: '13800000001' } },
      ],
      1,
    );
    await ums.changeUser('u2', [{ op: 'add', binding: { kind: 'tag', bindId: 'all', value: 'vip' } }], 2);
    await ums.changeUser('u0', [], 3);
    // set: clear then add, in one transaction
    await ums.changeUser(
      'u1',
      [
        { op: 'clear', kind: 'phone', bindId: 'all' },
        { op: 'add', binding: { kind: 'phone', bindId: 'all', value: '13800000002' } },
        { op: 'del', binding: { kind: 'tag', bindId: 'ck', value: 'beta' } },
      ],
      4,
    );
    const bindings = await ums.bindingsOf(['u1', 'u2', 'u0', 'ghost']);
    assert.deepEqual(
      [...(bindings.get('u1') ?? [])].sort((a, b) => a.kind.localeCompare(b.kind)),
      [
        { kind: 'phone', bindId: 'all', value: '13800000002' },
        { kind: 'tag', bindId: 'all', value: 'vip' },
      ],
    );
    assert.equal(bindings.has('u0'), false);
    assert.deepEqual(await ums.bindingsOf([]), new Map());
    assert.deepEqual(await ums.usersWithTags(['vip'], null), ['u1', 'u2']);
    assert.deepEqual(await ums.usersWithTags(['vip'], ['ck']), []);
    assert.deepEqual(await ums.usersWithTags([], null), []);
    assert.equal(await ums.userOfAddress('phone', 'all', '13800000002'), 'u1');
    assert.equal(await ums.userOfAddress('phone', 'all', '13800000001'), undefined);
    assert.deepEqual((await ums.existingUsers(['u2', 'u0', 'ghost'])).sort(), ['u0', 'u2']);
    assert.deepEqual(await ums.existingUsers([]), []);
    // ids compare byte-wise on both stores
    await ums.changeUser('U9', [], 5);
    await ums.changeUser('a_b', [], 5);
    assert.deepEqual(await ums.usersAfter('', 10), ['U9', 'a_b', 'u0', 'u1', 'u2']);
    assert.deepEqual(await ums.usersAfter('a_b', 2), ['u0', 'u1']);

    assert.deepEqual(await ums.deleteUsers(['u2', 'ghost', 'u2', 'U9', 'a_b']), ['u2', 'U9', 'a_b']);
    assert.deepEqual(await ums.usersWithTags(['vip'], null), ['u1']);
    assert.deepEqual(await ums.deleteUsers([]), []);
  });

  it('keeps user lists, segments and send policies', async () => {
    const { ums } = db.store;
    const black = await ums.createList('black', 'blocked', ['u1', 'u2']);
    const white = await ums.createList('white', 'allowed', []);
    assert.notEqual(black, white);
    assert.deepEqual(await ums.getList(black), { id: black, kind: 'black', name: 'blocked', userIds: ['u1', 'u2'] });
    assert.deepEqual(await ums.getList(white), { id: white, kind: 'white', name: 'allowed', userIds: [] });
    assert.equal(await ums.getList(999_999), undefined);

    const seg = { id: 'seg1', name: 'VIPs', tag: ['vip'], tagAnd: [], tagNot: ['churned'] };
    await ums.putSegment(seg);
    assert.deepEqual(await ums.getSegment('seg1'), seg);
    await ums.putSegment({ ...seg, name: 'VIP users' });
    assert.equal((await ums.getSegment('seg1'))?.name, 'VIP users');
    assert.equal(await ums.getSegment('none'), undefined);

    assert.equal(await ums.nextRuleId(), 1001);
    const policy = {
      ruleId: 1001,
      name: 'app then sms',
      enabled: true,
      steps: [
        { channel: 'app', delaySeconds: 0, condition: 'always' as const },
        { channel: 'sms', delaySeconds: 30, condition: 'not_delivered' as const },
      ],
      createdAt: 7,
    };
    await ums.putPolicy(policy);
    assert.deepEqual(await ums.getPolicy(1001), policy);
    assert.equal(await ums.nextRuleId(), 1002);
    await ums.putPolicy({ ...policy, enabled: false });
    assert.deepEqual(await ums.listPolicies(), [{ ...policy, enabled: false }]);
    assert.equal(await ums.getPolicy(5), undefined);
    assert.equal(await ums.deletePolicy(1001), true);
    assert.equal(await ums.deletePolicy(1001), false);
    assert.deepEqual(await ums.listPolicies(), []);
  });

  it('stores a message with its jobs, hands due jobs out by priority, claims each job once across nodes', async () => {
    const { ums } = db.store;
    const other = await db.another();
    const m = message('100', { content: { msg_sms: { temp_id: 1 }, msg_email: { subject: 'hi' } }, callbackParams: { a: 1 } });
    assert.equal(
      await ums.insertMessage(
        m,
        [
          { step: 0, target: 'u1', channel: 'sms', dueAt: 1_000, addresses: ['13800000002'] },
          { step: 0, target: 'u2', channel: 'sms', dueAt: 1_000, addresses: ['13800000003'] },
          { step: 1, target: 'u1', channel: 'email', dueAt: 31_000, addresses: ['a@example.com'] },
        ],
        0,
        0,
      ),
      true,
    );
    assert.equal(await ums.insertMessage(message('101', { priority: 1 }), [{ step: 0, target: 'u9', channel: 'sms', dueAt: 2_000, addresses: [] }], 0, 0), true);
    assert.deepEqual(await ums.getMessage('100'), m);
    assert.equal(await ums.getMessage('nope'), undefined);

    const due = await ums.dueJobs(2_000, 10);
    assert.deepEqual(
      due.map((j) => [j.msgid, j.step, j.target]),
      [
        ['101', 0, 'u9'],
        ['100', 0, 'u1'],
        ['100', 0, 'u2'],
      ],
    );
    assert.deepEqual(due[1], {
      msgid: '100',
      step: 0,
      target: 'u1',
      channel: 'sms',
      dueAt: 1_000,
      state: 'pending',
      addresses: ['13800000002'],
      pushMsgId: null,
      note: null,
      attempts: 0,
      doneAt: null,
      deliveredAt: null,
      clickedAt: null,
    });
    const [a, b] = await Promise.all([ums.claimJobs('100', 0, ['u1', 'u2'], 1_000), other.ums.claimJobs('100', 0, ['u2', 'u1'], 1_000)]);
    assert.deepEqual([...a, ...b].sort(), ['u1', 'u2']);
    assert.deepEqual(await ums.claimJobs('100', 0, ['u1'], 1_000), []);
    assert.deepEqual(await ums.claimJobs('100', 0, [], 1_000), []);
    assert.deepEqual((await ums.dueJobs(2_000, 10)).map((j) => j.target), ['u9']);

    await ums.finishJob('100', 0, 'u1', 'submitted', 'ok', null, 1_500);
    await ums.retryJob('100', 0, 'u2', 5_000, 'gateway busy');
    // a retry only moves a claimed job back
    await ums.retryJob('100', 0, 'u1', 9_000, 'late');
    const u1 = await ums.jobsOf('100', 'u1');
    assert.deepEqual(
      u1.map((j) => [j.step, j.state, j.note, j.attempts, j.doneAt]),
      [
        [0, 'submitted', 'ok', 1, 1_500],
        [1, 'pending', null, 0, null],
      ],
    );
    const u2 = await ums.jobsOf('100', 'u2');
    assert.deepEqual(u2.map((j) => [j.state, j.dueAt, j.note]), [['pending', 5_000, 'gateway busy']]);
    assert.deepEqual((await ums.jobsOf('100')).map((j) => `${j.target}/${j.step}`), ['u1/0', 'u1/1', 'u2/0']);
    assert.deepEqual((await ums.earlierJobs('100', 1, ['u1', 'u2'])).map((j) => `${j.target}/${j.step}`).sort(), ['u1/0', 'u2/0']);
    assert.deepEqual(await ums.earlierJobs('100', 0, ['u1']), []);
    assert.deepEqual(await ums.earlierJobs('100', 1, []), []);
  });

  it('records app pushes and their receipts: the first delivery and click count, a click implies delivery', async () => {
    const { ums } = db.store;
    await ums.insertMessage(message('200', { steps: [{ channel: 'app', delaySeconds: 0, condition: 'always' }] }), [
      { step: 0, target: 'u1', channel: 'app', dueAt: 1_000, addresses: ['rid1'] },
      { step: 0, target: 'u2', channel: 'app', dueAt: 1_000, addresses: ['rid2'] },
    ], 0, 0);
    await ums.claimJobs('200', 0, ['u1', 'u2'], 1_000);
    await ums.finishJob('200', 0, 'u1', 'submitted', null, 'p1', 1_100);
    await ums.finishJob('200', 0, 'u2', 'submitted', null, 'p1', 1_100);
    await ums.recordAppPush('p1', '200', 0);
    await ums.recordAppPush('p1', '200', 0);
    assert.deepEqual(await ums.appPushOf('p1'), { msgid: '200', step: 0 });
    assert.equal(await ums.appPushOf('p2'), undefined);
    assert.deepEqual(await ums.appPushesOf('200'), ['p1']);

    await ums.markReceipts([
      { pushMsgId: 'p1', target: 'u1', delivered: 2_000 },
      { pushMsgId: 'p1', target: 'u2', clicked: 2_500 },
    ]);
    await ums.markReceipts([
      { pushMsgId: 'p1', target: 'u1', delivered: 3_000 },
      { pushMsgId: 'p1', target: 'u1', clicked: 3_500 },
      { pushMsgId: 'p9', target: 'u1', clicked: 3_500 },
    ]);
    await ums.markReceipts([]);
    const jobs = await ums.jobsOf('200');
    assert.deepEqual(
      jobs.map((j) => [j.target, j.pushMsgId, j.deliveredAt, j.clickedAt]),
      [
        ['u1', 'p1', 2_000, 3_500],
        ['u2', 'p1', 2_500, 2_500],
      ],
    );
  });

  it('lists submitted jobs awaiting a vendor delivery report, oldest first, until delivered', async () => {
    const { ums } = db.store;
    await ums.insertMessage(message('250', { steps: [{ channel: 'dingtalk_cc', delaySeconds: 0, condition: 'always' }] }), [
      { step: 0, target: 'a', channel: 'dingtalk_cc', dueAt: 1_000, addresses: ['dt-a'] },
      { step: 0, target: 'b', channel: 'dingtalk_cc', dueAt: 1_000, addresses: ['dt-b'] },
      { step: 0, target: 'c', channel: 'dingtalk_cc', dueAt: 1_000, addresses: ['dt-c'] },
    ], 0, 0);
    await ums.claimJobs('250', 0, ['a', 'b', 'c'], 1_000);
    await ums.finishJob('250', 0, 'b', 'submitted', null, 'dingtalk_cc:7', 2_000);
    await ums.finishJob('250', 0, 'a', 'submitted', null, 'dingtalk_cc:7', 3_000);
    await ums.finishJob('250', 0, 'c', 'submitted', null, null, 3_000);
    assert.deepEqual((await ums.awaitingDelivery(['dingtalk_cc'], 0, 10)).map((j) => j.target), ['b', 'a']);
    assert.deepEqual((await ums.awaitingDelivery(['dingtalk_cc'], 2_500, 10)).map((j) => j.target), ['a']);
    assert.deepEqual(await ums.awaitingDelivery(['sms'], 0, 10), []);
    assert.deepEqual(await ums.awaitingDelivery([], 0, 10), []);
    await ums.markReceipts([{ pushMsgId: 'dingtalk_cc:7', target: 'b', delivered: 4_000 }]);
    assert.deepEqual((await ums.awaitingDelivery(['dingtalk_cc'], 0, 10)).map((j) => j.target), ['a']);
  });

  it('holds a message for review far in the future and releases it once', async () => {
    const { ums } = db.store;
    const hold = 1e12;
    await ums.insertMessage(message('270'), [
      { step: 0, target: 'a', channel: 'sms', dueAt: hold + 1_000, addresses: [] },
      { step: 1, target: 'a', channel: 'email', dueAt: hold + 31_000, addresses: [] },
    ], 0, 0);
    assert.deepEqual(await ums.heldMessages(hold, 10), ['270']);
    assert.deepEqual((await ums.dueJobs(10_000_000, 100)).filter((j) => j.msgid === '270'), []);
    assert.equal(await ums.releaseHeld('270', hold, 5_000), 2);
    assert.deepEqual((await ums.jobsOf('270')).map((j) => j.dueAt), [6_000, 36_000]);
    assert.equal(await ums.releaseHeld('270', hold, 5_000), 0);
    assert.deepEqual(await ums.heldMessages(hold, 10), []);
  });

  it('retracts a message once, stopping only its pending jobs', async () => {
    const { ums } = db.store;
    await ums.insertMessage(message('300'), [
      { step: 0, target: 'u1', channel: 'sms', dueAt: 1_000, addresses: [] },
      { step: 0, target: 'u2', channel: 'sms', dueAt: 1_000, addresses: [] },
    ], 0, 0);
    await ums.claimJobs('300', 0, ['u1'], 1_000);
    const stopped = await ums.retract('300', 4_000);
    assert.deepEqual(stopped?.map((j) => [j.target, j.state, j.doneAt]), [['u2', 'retracted', 4_000]]);
    assert.equal((await ums.getMessage('300'))?.retractedAt, 4_000);
    assert.equal(await ums.retract('300', 5_000), undefined);
    assert.equal(await ums.retract('nope', 5_000), undefined);
  });

  it('counts broadcasts per channel and day against the limit, also from two nodes at once', async () => {
    const { ums } = db.store;
    const other = await db.another();
    const day = 86_400_000;
    const b = (id: string, at: number) => message(id, { kind: 'broadcast', channelKey: 'bc', createdAt: at });
    assert.equal(await ums.insertMessage(b('400', day - 1), [], 2, 0), true);
    assert.equal(await ums.insertMessage(b('401', day + 1), [], 2, day), true);
    const results = await Promise.all([ums.insertMessage(b('402', day + 2), [], 2, day), other.ums.insertMessage(b('403', day + 3), [], 2, day)]);
    assert.deepEqual(results.sort(), [false, true]);
    // another channel, a plain send, and no limit are not counted
    assert.equal(await ums.insertMessage(message('404', { kind: 'broadcast', channelKey: 'bc2', createdAt: day + 4 }), [], 2, day), true);
    assert.equal(await ums.insertMessage(message('405', { channelKey: 'bc', createdAt: day + 5 }), [], 2, day), true);
    assert.equal(await ums.insertMessage(b('406', day + 6), [], 0, day), true);
  });

  it('stores many jobs of one message', async () => {
    const { ums } = db.store;
    const jobs = Array.from({ length: 12_000 }, (_, i) => ({ step: 0, target: `user${String(i).padStart(5, '0')}`, channel: 'email', dueAt: 10, addresses: [`${i}@example.com`] }));
    assert.equal(await ums.insertMessage(message('500', { priority: 9 }), jobs, 0, 0), true);
    const all = await ums.jobsOf('500');
    assert.equal(all.length, 12_000);
    assert.deepEqual(all[11_999]?.addresses, ['11999@example.com']);
    const claimed = await ums.claimJobs('500', 0, jobs.slice(0, 1500).map((j) => j.target), 20);
    assert.equal(claimed.length, 1500);
  });

  it('keeps callback URLs (one default) and a queue of records retried until given up', async () => {
    const { ums } = db.store;
    await ums.addCallbackUrl({ channelKey: 'ck', url: 'http://a/cb', isDefault: true, types: 0b11 }, 1);
    await ums.addCallbackUrl({ channelKey: 'ck', url: 'http://b/cb', isDefault: true, types: 0b100 }, 2);
    await ums.addCallbackUrl({ channelKey: 'other', url: 'http://c/cb', isDefault: true, types: 1 }, 3);
    assert.deepEqual(await ums.callbackUrls('ck'), [
      { channelKey: 'ck', url: 'http://b/cb', isDefault: true, types: 0b100 },
      { channelKey: 'ck', url: 'http://a/cb', isDefault: false, types: 0b11 },
    ]);
    assert.equal(await ums.removeCallbackUrl('ck', 'http://a/cb'), true);
    assert.equal(await ums.removeCallbackUrl('ck', 'http://a/cb'), false);

    await ums.queueRecords(
      [
        { url: 'http://b/cb', channelKey: 'ck', record: '{"n":1}' },
        { url: 'http://b/cb', channelKey: 'ck', record: '{"n":2}' },
        { url: 'http://b/cb', channelKey: 'ck', record: '{"n":3}' },
      ],
      100,
    );
    await ums.queueRecords([], 100);
    assert.deepEqual(await ums.dueRecords(99, 10), []);
    const due = await ums.dueRecords(100, 10);
    assert.deepEqual(due.map((r) => [r.record, r.attempts, r.url, r.channelKey]), [
      ['{"n":1}', 0, 'http://b/cb', 'ck'],
      ['{"n":2}', 0, 'http://b/cb', 'ck'],
      ['{"n":3}', 0, 'http://b/cb', 'ck'],
    ]);
    await ums.removeRecords([due[0]!.id]);
    assert.equal(await ums.failRecords([due[1]!.id, due[2]!.id], 200, 2), 0);
    assert.deepEqual(await ums.dueRecords(199, 10), []);
    assert.deepEqual((await ums.dueRecords(200, 10)).map((r) => r.attempts), [1, 1]);
    assert.equal(await ums.failRecords([due[1]!.id, due[2]!.id], 300, 2), 2);
    assert.deepEqual(await ums.dueRecords(1_000, 10), []);
    await ums.removeRecords([]);
    assert.equal(await ums.failRecords([], 1, 1), 0);
  });

  it('keeps materials until they expire', async () => {
    const { ums } = db.store;
    const now = Date.now();
    const m = { id: 'mat1', channelKey: 'ck', filename: 'a.pdf', contentType: 'application/pdf', data: Buffer.from([0, 1, 2, 255]), expiresAt: now + 60_000 };
    await ums.putMaterial(m);
    assert.deepEqual(await ums.getMaterial('mat1'), m);
    await ums.putMaterial({ ...m, id: 'mat2', expiresAt: now - 1 });
    assert.equal(await ums.getMaterial('mat2'), undefined);
    assert.equal(await ums.getMaterial('none'), undefined);
  });
});

contract('UMS store: templates and channel settings', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('keeps templates numbered from 1001', async () => {
    const { ums } = db.store;
    assert.equal(await ums.nextTemplateId(), 1001);
    const t = { templateId: 1001, name: 'welcome', general: true, enabled: true, content: { sms: { temp_id: '{{tid}}' }, email: { subject: 'Hi {{name}}', text: 'x' } }, createdAt: 3 };
    await ums.putTemplate(t);
    assert.deepEqual(await ums.getTemplate(1001), t);
    assert.equal(await ums.nextTemplateId(), 1002);
    await ums.putTemplate({ ...t, enabled: false, general: false, name: 'renamed' });
    assert.deepEqual(await ums.listTemplates(), [{ ...t, enabled: false, general: false, name: 'renamed' }]);
    assert.equal(await ums.getTemplate(7), undefined);
    assert.equal(await ums.deleteTemplate(1001), true);
    assert.equal(await ums.deleteTemplate(1001), false);
  });

  it('answers the default settings of a channel until some are stored', async () => {
    const { ums } = db.store;
    assert.deepEqual(await ums.getSettings('ck'), { sensitiveWords: [], quietHours: null, vip: true });
    const settings = { sensitiveWords: ['spam'], quietHours: { fromMinute: 1320, toMinute: 480, utcOffsetMinutes: 480 }, vip: false };
    await ums.putSettings('ck', settings);
    assert.deepEqual(await ums.getSettings('ck'), settings);
    assert.deepEqual(await ums.getSettings('other'), { sensitiveWords: [], quietHours: null, vip: true });
  });
});
