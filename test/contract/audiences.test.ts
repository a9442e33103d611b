import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { contract, type OpenedStore } from './harness.js';
import { bitmap, members, newDevice, orBitmaps } from './fixtures.js';

contract('files, groups, pacing', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('streams a file in, resolves it to devices by registration id or alias, drops it', async () => {
    const { files, devices } = db.store;
    const d1 = await devices.insert(newDevice('k', 'android', { alias: 'al' }));
    const d2 = await devices.insert(newDevice('k', 'android', { alias: 'al' }));
    const d3 = await devices.insert(newDevice('k', 'ios'));
    const foreign = await devices.insert(newDevice('other', 'ios', { alias: 'al' }));
    const record = { fileId: 'f1', ownerKey: 'k', type: 'registration_id' as const, fileName: 'ids.txt', createdAt: 1_000, expiresAt: 2_000, valueCount: 0 };
    await files.begin(record);
    assert.equal(await files.get('k', 'f1', 1_500), undefined, 'invisible until committed');
    await files.append('f1', [d1.registrationId, d3.registrationId, d1.registrationId, foreign.registrationId]);
    await files.append('f1', ['unknown', d3.registrationId]);
    await files.append('f1', []);
    const committed = await files.commit('f1', 90_000);
    assert.deepEqual(committed, { ...record, expiresAt: 90_000, valueCount: 4 });
    assert.deepEqual(await files.get('k', 'f1', 1_500), committed);
    assert.equal(await files.get('other', 'f1', 1_500), undefined);
    assert.equal(await files.get('k', 'f1', 90_000), undefined, 'expired');
    const got: number[] = [];
    await files.deviceNums(committed, 'k', (nums) => got.push(...nums));
    assert.deepEqual(got.sort(), [d1.num, d3.num].sort(), 'only the app\'s own devices');

    await files.begin({ ...record, fileId: 'f2', type: 'alias', createdAt: 1_100 });
    await files.append('f2', ['al', 'none']);
    const byAlias = await files.commit('f2', 90_000);
    const aliased: number[] = [];
    await files.deviceNums(byAlias, 'k', (nums) => aliased.push(...nums));
    assert.deepEqual(aliased.sort(), [d1.num, d2.num].sort());
    assert.deepEqual((await files.list('k', 1_500)).map((f) => f.fileId), ['f1', 'f2']);
    assert.equal(await files.countLive('k', 1_500), 2);

    await files.begin({ ...record, fileId: 'f3', createdAt: 500 }); // abandoned upload
    assert.deepEqual((await files.expired(1_500, 1_000, 10)).sort(), ['f3']);
    assert.deepEqual((await files.expired(95_000, 0, 10)).sort(), ['f1', 'f2', 'f3']);
    await files.discard('f1');
    assert.equal(await files.get('k', 'f1', 1_500), undefined);
    const none: number[] = [];
    await files.deviceNums(committed, 'k', (nums) => none.push(...nums));
    assert.deepEqual(none, []);
  });

  it('resolves a file larger than one page', async () => {
    const opened = await kind.open();
    try {
      const { files, devices } = opened.store;
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await devices.insert(newDevice('k', 'android'))).registrationId);
      const values = [...ids, ...Array.from({ length: 9_000 }, (_, i) => `missing-${i}`)];
      await files.begin({ fileId: 'big', ownerKey: 'k', type: 'registration_id', fileName: 'big.txt', createdAt: 1, expiresAt: 10, valueCount: 0 });
      for (let i = 0; i < values.length; i += 2_000) await files.append('big', values.slice(i, i + 2_000));
      const file = await files.commit('big', 10_000);
      assert.equal(file.valueCount, 9_030);
      const got = new Set<number>();
      await files.deviceNums(file, 'k', (nums) => nums.forEach((n) => got.add(n)));
      assert.equal(got.size, 30);
    } finally {
      await opened.close();
    }
  });

  it('keeps app groups and their members', async () => {
    const { groups } = db.store;
    await groups.create({ groupKey: 'g1', name: 'one', secretHash: Buffer.from('h1'), createdAt: 1 }, ['a', 'b', 'a']);
    await groups.create({ groupKey: 'g2', name: 'two', secretHash: Buffer.from('h2'), createdAt: 2 }, []);
    assert.deepEqual(await groups.get('g1'), { groupKey: 'g1', name: 'one', secretHash: Buffer.from('h1'), createdAt: 1, appKeys: ['a', 'b'] });
    assert.equal(await groups.get('nope'), undefined);
    assert.equal(await groups.addApp('g2', 'c'), true);
    assert.equal(await groups.addApp('g2', 'c'), true, 'already a member');
    assert.equal(await groups.addApp('nope', 'c'), false);
    assert.equal(await groups.removeApp('g1', 'a'), true);
    assert.equal(await groups.removeApp('g1', 'a'), false);
    assert.deepEqual((await groups.list()).map((g) => [g.groupKey, g.appKeys]), [['g1', ['b']], ['g2', ['c']]]);
    await assert.rejects(groups.create({ groupKey: 'g1', name: 'dup', secretHash: Buffer.from('x'), createdAt: 3 }, ['z']));
    assert.deepEqual((await groups.get('g1'))?.appKeys, ['b'], 'a failed create adds no member');
  });

  it('saves pacing progress slice by slice', async () => {
    const { pacing } = db.store;
    const p = { msgId: '4242', appKey: 'k', released: 100, lastNum: 99, updatedAt: 1, finishedAt: null };
    assert.equal(await pacing.get('4242'), undefined);
    await pacing.save(p);
    assert.deepEqual(await pacing.get('4242'), p);
    await pacing.save({ ...p, released: 200, lastNum: 250, updatedAt: 2, finishedAt: 3 });
    assert.deepEqual(await pacing.get('4242'), { ...p, released: 200, lastNum: 250, updatedAt: 2, finishedAt: 3 });
    assert.equal(await pacing.get('not-a-number'), undefined);
  });

  it('claims each pacing slice once: only from where the stored progress stands, never after the end', async () => {
    const { pacing } = db.store;
    const p = { msgId: '4343', appKey: 'k', released: 10, lastNum: 9, updatedAt: 1, finishedAt: null };
    assert.equal(await pacing.claim({ ...p, released: 20 }, 10), false, 'no row: only a first slice may start one');
    assert.equal(await pacing.claim(p, 0), true);
    assert.equal(await pacing.claim({ ...p, released: 12, lastNum: 11 }, 0), false, 'a second node with the same first slice');
    assert.deepEqual(await pacing.get('4343'), p);
    assert.equal(await pacing.claim({ ...p, released: 20, lastNum: 19, updatedAt: 2 }, 10), true);
    assert.equal(await pacing.claim({ ...p, released: 15, lastNum: 14, updatedAt: 3 }, 10), false, 'a node behind cannot move it back');
    assert.equal(await pacing.claim({ ...p, released: 30, lastNum: 29, updatedAt: 4, finishedAt: 4 }, 20), true);
    assert.equal(await pacing.claim({ ...p, released: 30, lastNum: 29, updatedAt: 5 }, 30), false, 'finished');
    assert.deepEqual(await pacing.get('4343'), { ...p, released: 30, lastNum: 29, updatedAt: 4, finishedAt: 4 });
  });
});

contract('segments, activity, Live Activity tokens', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('keeps segments and A/B tests per app', async () => {
    const { segments } = db.store;
    const seg = { appKey: 'k', id: 'seg1', name: 'news', definition: { tag: ['news'], activeDays: 7 }, createdAt: 1, updatedAt: 1 };
    await segments.createSegment(seg);
    await segments.createSegment({ ...seg, appKey: 'other' });
    assert.deepEqual(await segments.getSegment('k', 'seg1'), seg);
    assert.equal(await segments.updateSegment('k', 'seg1', 'sports', { tag: ['sports'] }, 5), true);
    assert.equal(await segments.updateSegment('k', 'none', 'x', {}, 5), false);
    assert.deepEqual(await segments.listSegments('k'), [{ ...seg, name: 'sports', definition: { tag: ['sports'] }, updatedAt: 5 }]);
    const ab = { appKey: 'k', id: 'ab1', name: 'test', definition: { segmentId: 'seg1', groups: [{ name: 'A', percent: 50 }, { name: 'B', percent: 50 }] }, createdAt: 2 };
    await segments.createAbTest(ab);
    assert.deepEqual(await segments.getAbTest('k', 'ab1'), ab);
    assert.equal(await segments.getAbTest('other', 'ab1'), undefined);
    assert.deepEqual((await segments.listAbTests('k')).map((a) => a.id), ['ab1']);
    assert.deepEqual(await segments.abTestsOfSegment('k', 'seg1'), ['ab1']);
    assert.deepEqual(await segments.abTestsOfSegment('other', 'seg1'), []);
    assert.equal(await segments.deleteAbTest('k', 'ab1'), true);
    assert.equal(await segments.deleteAbTest('k', 'ab1'), false);
    assert.equal(await segments.deleteSegment('k', 'seg1'), true);
    assert.equal(await segments.deleteSegment('k', 'seg1'), false);
    assert.equal((await segments.listSegments('other')).length, 1);
  });

  it('finds devices active since an instant', async () => {
    const { segments, devices } = db.store;
    const a = await devices.insert(newDevice('act', 'android'));
    const b = await devices.insert(newDevice('act', 'android'));
    await devices.insert(newDevice('act', 'android'));
    await devices.markOnline('act', [a.num], 1_000);
    await devices.markOnline('act', [b.num], 5_000);
    assert.deepEqual((await segments.activeSince('act', 2_000)).sort(), [b.num]);
    assert.deepEqual((await segments.activeSince('act', 0)).sort(), [a.num, b.num].sort());
  });

  it('merges activity bitmaps from nodes into the same periods, and prunes old periods', async () => {
    const { activity, devices } = db.store;
    const other = await db.another();
    await Promise.all([
      activity.merge([{ appKey: 'k', unit: 'day', period: 86_400_000, devices: bitmap([1, 2]) }, { appKey: 'k', unit: 'hour', period: 3_600_000, devices: bitmap([1]) }], orBitmaps),
      other.activity.merge([{ appKey: 'k', unit: 'day', period: 86_400_000, devices: bitmap([3]) }], orBitmaps),
    ]);
    await activity.merge([{ appKey: 'k', unit: 'day', period: 86_400_000, devices: bitmap([2, 9]) }], orBitmaps);
    await activity.merge([], orBitmaps);
    assert.deepEqual(members(await activity.get('k', 'day', 86_400_000)), [1, 2, 3, 9]);
    assert.deepEqual(members(await activity.get('k', 'hour', 3_600_000)), [1]);
    assert.equal(await activity.get('other', 'day', 86_400_000), undefined);
    await activity.prune('hour', 3_600_001);
    assert.equal(await activity.get('k', 'hour', 3_600_000), undefined);
    assert.notEqual(await activity.get('k', 'day', 86_400_000), undefined);
    await devices.insert(newDevice('nd', 'android', { createdAt: 10 }));
    await devices.insert(newDevice('nd', 'android', { createdAt: 20 }));
    await devices.insert(newDevice('nd', 'ios', { createdAt: 30 }));
    assert.deepEqual([...(await activity.newDevices('nd', 10, 30))].sort(), [['android', 2]]);
  });

  it('keeps Live Activity tokens per app, activity and device', async () => {
    const { liveActivities: la } = db.store;
    await la.put('k', 'act1', 1, 'tok-a', 1);
    await la.put('k', 'act1', 2, 'tok-b', 1);
    await la.put('k', 'act2', 1, 'tok-c', 1);
    await la.put('k', 'act1', 1, 'tok-a2', 2);
    await la.put('other', 'act1', 1, 'tok-x', 1);
    assert.equal(await la.countOf('k', 1), 2);
    assert.deepEqual(await la.holders('k', 'act1'), [1, 2]);
    assert.deepEqual([...(await la.tokens('k', 'act1', [1, 2, 3]))].sort(), [[1, 'tok-a2'], [2, 'tok-b']]);
    assert.equal((await la.tokens('k', 'act1', [])).size, 0);
    assert.equal(await la.remove('k', 'act1', 1), true);
    assert.equal(await la.remove('k', 'act1', 1), false);
    assert.deepEqual(await la.holders('k', 'act1'), [2]);
    assert.deepEqual(await la.holders('other', 'act1'), [1]);
  });
});
