import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { DevicePlatform } from '../../src/domain/device.js';
import type { NewDevice, Store } from '../../src/store/types.js';
import { contract, type OpenedStore } from './harness.js';

let serial = 0;
function newDevice(appKey: string, platform: DevicePlatform = 'android', extra: Partial<NewDevice> = {}): NewDevice {
  serial++;
  return {
    appKey,
    registrationId: `rid-${appKey}-${serial}`,
    platform,
    secretHash: Buffer.from(`secret-${serial}`),
    alias: null,
    mobile: null,
    tokens: {},
    createdAt: 1000 + serial,
    ...extra,
  };
}

async function scan(store: Store) {
  const devices: Record<string, number[]> = {};
  const tags: Record<string, number[]> = {};
  await store.devices.scanIndex({
    devices(appKey, platform, nums) {
      (devices[`${appKey}/${platform}`] ??= []).push(...nums);
    },
    tagged(appKey, tag, nums) {
      (tags[`${appKey}/${tag}`] ??= []).push(...nums);
    },
  });
  return { devices, tags };
}

contract('devices', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('numbers devices densely per app from 0 and finds them by registration id', async () => {
    const { devices } = db.store;
    const a0 = await devices.insert(newDevice('appA', 'android', { tokens: { fcm: 'tok' } }));
    const a1 = await devices.insert(newDevice('appA', 'ios'));
    const b0 = await devices.insert(newDevice('appB'));
    assert.deepEqual([a0.num, a1.num, b0.num], [0, 1, 0]);
    assert.deepEqual(a0.tags, []);
    assert.equal(a0.lastOnlineAt, null);
    assert.equal(a0.account, null);
    const got = await devices.byRegistrationId(a0.registrationId);
    assert.deepEqual(got, a0);
    assert.equal(await devices.byRegistrationId('unknown'), undefined);
    const creds = await devices.credentials(a1.registrationId);
    assert.deepEqual(creds, { appKey: 'appA', num: 1, platform: 'ios', secretHash: a1.secretHash });
    assert.equal(await devices.credentials('unknown'), undefined);
    // lookups made together (a connect storm) each get their own device, or nothing
    const together = await Promise.all([b0, a0, 'unknown', a1, a0].map((d) => devices.credentials(typeof d === 'string' ? d : d.registrationId)));
    assert.deepEqual(
      together.map((c) => c && `${c.appKey}/${c.num}/${c.platform}`),
      ['appB/0/android', 'appA/0/android', undefined, 'appA/1/ios', 'appA/0/android'],
    );
    assert.deepEqual(together[3]?.secretHash, a1.secretHash);
    // a duplicate registration id fails and does not use up a number
    await assert.rejects(devices.insert({ ...newDevice('appA'), registrationId: a0.registrationId }));
    assert.equal((await devices.insert(newDevice('appA'))).num, 2);
  });

  it('maps registration ids, aliases and accounts to numbers within one app only', async () => {
    const { devices } = db.store;
    const c0 = await devices.insert(newDevice('appC', 'android', { alias: 'al' }));
    const c1 = await devices.insert(newDevice('appC', 'ios', { account: 'acct' }));
    const d0 = await devices.insert(newDevice('appD', 'android', { alias: 'al' }));
    const byRid = await devices.numsByRegistrationIds('appC', [c0.registrationId, c1.registrationId, d0.registrationId, c0.registrationId, 'x']);
    assert.deepEqual([...byRid].sort(), [[c0.registrationId, 0], [c1.registrationId, 1]].sort());
    assert.deepEqual(await devices.numsByRegistrationIds('appC', []), new Map());
    assert.deepEqual(await devices.numsByAliases('appC', ['al', 'al', 'none']), [0]);
    assert.deepEqual(await devices.numsByAliases('appC', []), []);
    await devices.setAlias('appC', 1, 'al');
    assert.deepEqual((await devices.devicesByAlias('appC', 'al')).map((d) => d.num), [0, 1]);
    await devices.setAlias('appC', 1, null);
    assert.deepEqual((await devices.devicesByAlias('appC', 'al')).map((d) => d.num), [0]);
    assert.deepEqual(await devices.numsByAccounts('appC', ['acct']), [1]);
    await devices.setAccount('appC', 0, 'acct');
    assert.deepEqual((await devices.devicesByAccount('appC', 'acct')).map((d) => [d.num, d.account]), [[0, 'acct'], [1, 'acct']]);
    assert.deepEqual(await devices.numsByAccounts('appD', ['acct']), []);
    await devices.setMobile('appC', 0, '+8613800000000');
    await devices.updateTokens('appC', 0, { fcm: 'f', apns: 'a' });
    const c0After = await devices.byRegistrationId(c0.registrationId);
    assert.equal(c0After?.mobile, '+8613800000000');
    assert.deepEqual(c0After?.tokens, { fcm: 'f', apns: 'a' });
    assert.equal(c0After?.account, 'acct');
  });

  it('changes tags per device and per tag, counts and lists them', async () => {
    const { devices } = db.store;
    const e = await Promise.all([0, 1, 2].map(() => devices.insert(newDevice('appE'))));
    // inserted concurrently: numbers are 0, 1 and 2 in some order
    assert.deepEqual(e.map((d) => d.num).sort(), [0, 1, 2]);
    assert.deepEqual(await devices.changeTags('appE', 0, ['b', 'a', 'Z', 'a'], []), ['Z', 'a', 'b']);
    assert.deepEqual(await devices.changeTags('appE', 0, ['c'], ['a']), ['Z', 'b', 'c']);
    assert.deepEqual(await devices.changeTags('appE', 0, ['d'], 'all'), ['d']);
    await devices.changeTagMembers('appE', 'd', [1, 2], [0]);
    await devices.changeTagMembers('appE', 'e', [2], []);
    assert.deepEqual(await devices.numsWithTag('appE', 'd'), [1, 2]);
    assert.deepEqual(await devices.tagCounts('appE', [0, 1, 2, 2]), new Map([[1, 1], [2, 2]]));
    assert.deepEqual(await devices.listTags('appE', 10), ['d', 'e']);
    assert.deepEqual(await devices.listTags('appE', 1), ['d']);
    assert.deepEqual((await devices.byRegistrationId(e.find((d) => d.num === 2)!.registrationId))?.tags, ['d', 'e']);
    assert.deepEqual(await devices.deleteTag('appE', 'd', [2, 0]), [2]);
    assert.deepEqual(await devices.deleteTag('appE', 'd', 'all'), [1]);
    assert.deepEqual(await devices.numsWithTag('appE', 'd'), []);
  });

  it('marks devices online', async () => {
    const { devices } = db.store;
    const f = await devices.insert(newDevice('appF'));
    await devices.markOnline('appF', [f.num], 5000);
    await devices.markOnline('appF', [], 6000);
    assert.equal((await devices.byRegistrationId(f.registrationId))?.lastOnlineAt, 5000);
  });

  it('streams every device and tag membership for the index rebuild', async () => {
    const opened = await kind.open();
    try {
      const { devices } = opened.store;
      for (let i = 0; i < 5; i++) await devices.insert(newDevice('g1', i % 2 === 0 ? 'android' : 'ios'));
      await devices.insert(newDevice('g2', 'web'));
      await devices.changeTagMembers('g1', 't', [4, 0, 2], []);
      await devices.changeTagMembers('g2', 't', [0], []);
      const { devices: byPlatform, tags } = await scan(opened.store);
      assert.deepEqual(byPlatform, { 'g1/android': [0, 2, 4], 'g1/ios': [1, 3], 'g2/web': [0] });
      assert.deepEqual(tags, { 'g1/t': [0, 2, 4], 'g2/t': [0] });
    } finally {
      await opened.close();
    }
  });

  it('gives unique, gapless numbers when two nodes register devices of one app at once', async () => {
    const second = await db.another();
    const stores = [db.store, second];
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 2]!.devices.insert(newDevice('appH'))));
    assert.deepEqual(
      made.map((d) => d.num).sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i),
    );
    // each node sees the other's devices
    for (const d of made) assert.equal((await stores[(d.num + 1) % 2]!.devices.byRegistrationId(d.registrationId))?.num, d.num);
  });
});
