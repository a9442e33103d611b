import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppDirectory } from '../../src/apps/app-directory.js';
import { hashSecret } from '../../src/apps/credentials.js';
import type { AppRecord, Store } from '../../src/store/types.js';

const KEY = '8103a4c628a0b98974ec1949';
const SECRET = '0123456789abcdef01234567';

/** A store whose apps table is one map; every read returns a fresh record, as the real stores do. */
function fakeStore(secrets: Map<string, string>): { store: Store; reads: () => number } {
  let reads = 0;
  const get = async (appKey: string): Promise<AppRecord | undefined> => {
    reads++;
    const secret = secrets.get(appKey);
    if (secret === undefined) return undefined;
    return { appKey, name: 'app', secretHash: hashSecret(secret), createdAt: 0, rateLimit: null, rateWindow: null, broadcastPerDay: null };
  };
  return { store: { apps: { get } } as unknown as Store, reads: () => reads };
}

test('authenticate: the right secret again and again, wrong ones before and after it', async () => {
  const { store, reads } = fakeStore(new Map([[KEY, SECRET]]));
  const apps = new AppDirectory(store, 60_000);
  assert.equal(await apps.authenticate(KEY, 'wrong'), undefined); // loads the record
  assert.equal(apps.authenticate(KEY, SECRET.slice(0, -1) + '8'), undefined);
  for (let i = 0; i < 3; i++) assert.equal((apps.authenticate(KEY, SECRET) as AppRecord | undefined)?.appKey, KEY);
  // after a verified secret: one differing in its last character, a prefix, a longer one, empty
  for (const wrong of [SECRET.slice(0, -1) + '8', SECRET.slice(0, -1), SECRET + '0', '', 'x'.repeat(24)]) {
    assert.equal(apps.authenticate(KEY, wrong), undefined, wrong);
  }
  assert.equal((apps.authenticate(KEY, SECRET) as AppRecord | undefined)?.appKey, KEY);
  assert.equal(reads(), 1);
});

test('authenticate: unknown and malformed keys fail, a rotated secret takes over once the record reloads', async () => {
  const secrets = new Map([[KEY, SECRET]]);
  const { store } = fakeStore(secrets);
  const apps = new AppDirectory(store, 60_000);
  assert.equal(await apps.authenticate('0'.repeat(24), SECRET), undefined);
  assert.equal(apps.authenticate('not-a-key', SECRET), undefined); // no store read, no promise
  assert.equal((await apps.authenticate(KEY, SECRET))?.appKey, KEY);
  assert.equal((apps.authenticate(KEY, SECRET) as AppRecord | undefined)?.appKey, KEY);

  const rotated = 'fedcba9876543210fedcba98';
  secrets.set(KEY, rotated);
  apps.invalidate(KEY);
  assert.equal(await apps.authenticate(KEY, SECRET), undefined, 'the old secret no longer passes');
  assert.equal((await apps.authenticate(KEY, rotated))?.appKey, KEY);
  assert.equal(apps.authenticate(KEY, SECRET), undefined);

  // the same through the cache expiring instead of an invalidation
  const short = new AppDirectory(store, 20);
  assert.equal((await short.authenticate(KEY, rotated))?.appKey, KEY);
  secrets.set(KEY, SECRET);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(await short.authenticate(KEY, rotated), undefined);
  assert.equal((await short.authenticate(KEY, SECRET))?.appKey, KEY);
});
