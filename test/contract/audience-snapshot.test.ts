import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { pino } from 'pino';
import { AudienceIndex } from '../../src/audience/audience-index.js';
import { scanApps, type AppIndexes } from '../../src/audience/app-index.js';
import { DEFAULT_INDEX_PERSISTENCE, IndexPersistence, type IndexPersistenceOptions } from '../../src/audience/index-persistence.js';
import type { DevicePlatform } from '../../src/domain/device.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/types.js';
import { contract, type OpenedStore } from './harness.js';

const quiet = pino({ level: 'silent' });
let serial = 0;

async function register(store: Store, appKey: string, platform: DevicePlatform, tags: string[] = []): Promise<number> {
  serial++;
  const d = await store.devices.insert({
    appKey,
    registrationId: `snap-${appKey}-${serial}`,
    platform,
    secretHash: Buffer.from('s'),
    alias: null,
    mobile: null,
    tokens: {},
    createdAt: serial,
  });
  if (tags.length > 0) await store.devices.changeTags(appKey, d.num, tags, []);
  return d.num;
}

/** Bitmaps as plain sorted arrays (empty ones left out), for comparing two indexes. */
function dump(apps: AppIndexes): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [appKey, a] of apps) {
    if (!a.all.isEmpty) out[`${appKey} all`] = a.all.toArray();
    for (const [p, b] of a.platforms) if (!b.isEmpty) out[`${appKey} platform ${p}`] = b.toArray();
    for (const [t, b] of a.tags) if (!b.isEmpty) out[`${appKey} tag ${t}`] = b.toArray();
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function persistence(store: Store, options: Partial<IndexPersistenceOptions> = {}): IndexPersistence {
  return new IndexPersistence(store.devices, store.audienceSnapshots, quiet, { ...DEFAULT_INDEX_PERSISTENCE, compactEveryMs: 0, ...options });
}

/** Loads through a snapshot (from a second store instance, as a restarted node) and checks it against a full scan. */
async function loadsLikeAScan(loadFrom: Store, options: Partial<IndexPersistenceOptions> = {}): Promise<void> {
  const p = persistence(loadFrom, options);
  const loaded = await p.load();
  await p.flush();
  assert.deepEqual(dump(loaded.apps), dump(await scanApps(loadFrom.devices)));
}

contract('audience index snapshot', (kind) => {
  let db: OpenedStore;
  before(async () => {
    db = await kind.open();
  });
  after(() => db.close());

  it('starts from a scan with no snapshot, stores one, and the next start uses it', async () => {
    const { store } = db;
    await register(store, 'snapA', 'android', ['red', 'blue']);
    await register(store, 'snapA', 'ios', ['red']);
    await register(store, 'snapB', 'web');
    assert.deepEqual(await store.audienceSnapshots.read(null, 1000), { kind: 'none', cursor: await store.audienceSnapshots.cursor() });
    await loadsLikeAScan(store);
    const read = await store.audienceSnapshots.read(null, 1000);
    assert.equal(read.kind, 'snapshot');
    // PostgreSQL keeps (and applies again) changes of transactions older than any still running
    // anywhere on the server, so only SQLite's log is certainly empty here
    if (kind.name === 'sqlite') assert.equal(await store.audienceSnapshots.pendingChanges(), 0, 'the stored snapshot covers the whole log');
  });

  it('a stale snapshot plus the logged changes equals a scan (new devices, tags added and removed)', async () => {
    const { store } = db;
    const n1 = await register(store, 'snapA', 'hmos', ['green']);
    await store.devices.changeTags('snapA', 0, ['green'], ['red']);
    await store.devices.changeTags('snapA', 1, [], 'all');
    await store.devices.changeTagMembers('snapA', 'blue', [n1], [0]);
    await store.devices.deleteTag('snapA', 'green', [0]);
    await register(store, 'snapC', 'quickapp', ['solo']);
    const read = await store.audienceSnapshots.read(null, 1000);
    assert.equal(read.kind, 'snapshot');
    assert.ok(read.kind === 'snapshot' && read.changes.length >= 4);
    await loadsLikeAScan(await db.another());
  });

  it('a snapshot too far behind, or an unreadable one, means a scan, and a good snapshot replaces it', async () => {
    const { store } = db;
    for (let i = 0; i < 5; i++) await register(store, 'snapA', 'android', [`t${i}`]);
    assert.equal((await store.audienceSnapshots.read(null, 3)).kind, 'too-many');
    await loadsLikeAScan(store, { maxChanges: 3 });
    // on PostgreSQL, changes of transactions younger than the oldest one running anywhere on
    // the server (other tests' too) count as after the snapshot, however new it is
    assert.equal((await store.audienceSnapshots.read(null, kind.name === 'sqlite' ? 3 : 1000)).kind, 'snapshot');

    for (const garbage of [Buffer.from('not a snapshot'), Buffer.alloc(0)]) {
      const cursor = await store.audienceSnapshots.cursor();
      assert.equal(await store.audienceSnapshots.save(garbage, cursor, Date.now()), true);
      await register(store, 'snapA', 'ios', ['after-garbage']);
      await loadsLikeAScan(await db.another());
      const read = await store.audienceSnapshots.read(null, 1000);
      assert.ok(read.kind === 'snapshot' && !read.snapshot.data.equals(garbage), 'the rebuild stored a readable snapshot');
    }
    // flipped bytes inside a real snapshot: the digest catches them
    const good = await store.audienceSnapshots.read(null, 1000);
    assert.ok(good.kind === 'snapshot');
    const flipped = Buffer.from(good.snapshot.data);
    flipped[flipped.length - 3]! ^= 0xff;
    await store.audienceSnapshots.save(flipped, good.cursor, Date.now());
    await loadsLikeAScan(store);
  });

  it('an older snapshot never replaces a newer one', async () => {
    const { store } = db;
    const old = await store.audienceSnapshots.cursor();
    await register(store, 'snapA', 'android');
    assert.equal(await persistence(store).compact(), true);
    assert.equal(await store.audienceSnapshots.save(Buffer.from('old'), old, Date.now()), false);
    await loadsLikeAScan(store);
  });

  it('a loaded index catches up from its cursor, and from the snapshot once the log was trimmed past it', async () => {
    const { store } = db;
    const p = persistence(store);
    const index = await AudienceIndex.load(store.devices, p);
    const num = await register(store, 'snapD', 'android', ['late']);
    assert.equal(index.tagCount('snapD', 'late'), 0);
    await index.catchUp(store.devices);
    assert.equal(index.hasTag('snapD', 'late', num), true);
    // another node folds the log into a new snapshot; this one's cursor is now behind it
    await store.devices.changeTags('snapD', num, ['later'], ['late']);
    assert.equal(await persistence(await db.another()).compact(), true);
    if (kind.name === 'sqlite') assert.equal(await store.audienceSnapshots.pendingChanges(), 0);
    await index.catchUp(store.devices);
    assert.equal(index.hasTag('snapD', 'late', num), false);
    assert.equal(index.hasTag('snapD', 'later', num), true);
    await p.stop();
  });

  if (kind.name === 'postgres') {
    it('a change committed after the snapshot but numbered before it is applied at the next start', async () => {
      const store = db.store as PostgresStore;
      const num = await register(store, 'snapE', 'android');
      const client = await store.db.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO device_tags (app_key, tag, num) VALUES ($1, $2, $3)', ['snapE', 'slow', num]);
        // a quicker transaction takes a later number and commits first; the snapshot follows it
        await register(store, 'snapE', 'ios', ['quick']);
        const p = persistence(store);
        await p.load();
        await p.flush();
        assert.equal(await p.compact(), true);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const loaded = await persistence(store).load();
      assert.equal(loaded.apps.get('snapE')?.tags.get('slow')?.has(num), true);
      await loadsLikeAScan(store);
    });
  }
});
