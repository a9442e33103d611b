import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AudienceIndex } from '../../src/audience/audience-index.js';
import { RegistrationIdCache } from '../../src/audience/registration-id-cache.js';
import type { DevicePlatform } from '../../src/devices/types.js';
import { PLATFORMS } from '../../src/domain/push.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const APP = 'a'.repeat(24);
const OTHER = 'b'.repeat(24);

describe('audience resolution by alias and registration id', () => {
  let dir: string;
  let store: SqliteStore;
  const rid = (n: number, app = APP) => `${app.slice(0, 4)}rid${n}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-audience-'));
    store = new SqliteStore({ path: join(dir, 'db.sqlite'), synchronous: 'normal' });
    const platforms: DevicePlatform[] = ['android', 'ios', 'web', 'hmos'];
    for (const app of [APP, OTHER]) {
      for (let i = 0; i < 8; i++) {
        await store.devices.insert({
          appKey: app,
          registrationId: rid(i, app),
          platform: platforms[i % 4]!,
          secretHash: Buffer.alloc(32),
          alias: i < 4 ? 'pair' + (i % 2) : null,
          mobile: null,
          tokens: {},
          createdAt: 0,
        });
      }
    }
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('intersects aliases with registration ids and filters by platform', async () => {
    const index = await AudienceIndex.load(store.devices);
    const nums = async (platforms: readonly (typeof PLATFORMS)[number][], audience: object) =>
      [...(await index.resolve(APP, platforms, audience))];
    // device i has number i; aliases: pair0 = devices 0 and 2, pair1 = devices 1 and 3
    assert.deepEqual(await nums(PLATFORMS, { alias: ['pair0'] }), [0, 2]);
    assert.deepEqual(await nums(PLATFORMS, { registrationId: [rid(0), rid(1), rid(5)] }), [0, 1, 5]);
    assert.deepEqual(await nums(PLATFORMS, { alias: ['pair0', 'pair1'], registrationId: [rid(1), rid(2), rid(7)] }), [1, 2]);
    // every push platform also reaches web devices (device 2 is web); one platform does not
    assert.deepEqual(await nums(['android'], { registrationId: [rid(0), rid(1), rid(2), rid(4)] }), [0, 4]);
    assert.deepEqual(await nums(['ios', 'hmos'], { alias: ['pair1'] }), [1, 3]);
    // another app's registration ids and aliases match nothing
    assert.deepEqual(await nums(PLATFORMS, { registrationId: [rid(0, OTHER)] }), []);
    assert.deepEqual(await nums(PLATFORMS, { alias: ['pair0'], registrationId: [rid(3)] }), []);
  });

  it('gives the same answer as the bitmap path when tags are combined with explicit ids', async () => {
    await store.devices.changeTags(APP, 0, ['t'], []);
    await store.devices.changeTags(APP, 1, ['t'], []);
    const index = await AudienceIndex.load(store.devices);
    const got = [...(await index.resolve(APP, PLATFORMS, { tag: ['t'], registrationId: [rid(0), rid(2)] }))];
    assert.deepEqual(got, [0]);
  });

  it('caches found registration ids, not unknown ones, and stays within its bound', async () => {
    let asked: string[] = [];
    const cache = new RegistrationIdCache(async (appKey, ids) => {
      asked.push(...ids);
      return store.devices.numsByRegistrationIds(appKey, ids);
    }, 3);
    const first = await cache.numsByRegistrationIds(APP, [rid(0), rid(1), 'unknown']);
    assert.deepEqual([...first], [[rid(0), 0], [rid(1), 1]]);
    assert.deepEqual(asked, [rid(0), rid(1), 'unknown']);

    asked = [];
    const again = await cache.numsByRegistrationIds(APP, [rid(1), rid(0), 'unknown']);
    assert.deepEqual(new Map(again), new Map([[rid(0), 0], [rid(1), 1]]));
    assert.deepEqual(asked, ['unknown'], 'only the unknown id goes to the store');

    // an id of another app is not found for this one, cached or not
    await cache.numsByRegistrationIds(OTHER, [rid(0, OTHER)]);
    assert.equal((await cache.numsByRegistrationIds(APP, [rid(0, OTHER)])).size, 0);

    await cache.numsByRegistrationIds(APP, [rid(2), rid(3)]);
    assert.equal(cache.size(APP), 3, 'the oldest entry made room');
    asked = [];
    await cache.numsByRegistrationIds(APP, [rid(0)]);
    assert.deepEqual(asked, [rid(0)], 'the evicted id is asked for again');
  });
});
