import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChannelCredentialService } from '../../src/channels/credentials.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SealedCredentialStore } from '../../src/store/types.js';

/**
 * The snapshot of which apps have which channels (what the accept path and the relay ask) must
 * never lose a change this node made while a background refresh was reading the store.
 */
describe('channel credentials snapshot', () => {
  let dir: string;
  let store: SqliteStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-creds-'));
    store = new SqliteStore({ path: join(dir, 'db.sqlite'), synchronous: 'normal' });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The real store, whose `list` answers only when the test lets it (a slow database). */
  function heldList(): { creds: SealedCredentialStore; release: () => void; listing: Promise<void> } {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let listed!: () => void;
    const listing = new Promise<void>((r) => (listed = r));
    const real = store.channelCredentials;
    const creds: SealedCredentialStore = {
      put: (...a) => real.put(...a),
      get: (...a) => real.get(...a),
      remove: (...a) => real.remove(...a),
      async list() {
        const rows = await real.list(); // read now, answered later
        listed();
        await gate;
        return rows;
      },
    };
    return { creds, release, listing };
  }

  const hms = () => ({ appId: '100000001', appSecret: randomBytes(16).toString('hex') });

  test('a channel set while a refresh reads the store stays in the snapshot that refresh installs', async () => {
    const { creds, release, listing } = heldList();
    const service = new ChannelCredentialService(creds, randomBytes(32));
    const refresh = service.refresh();
    await listing;
    await service.set('app-a', 'huawei', hms());
    assert.ok(service.channelsOf('app-a').has('huawei'));
    release();
    await refresh;
    assert.ok(service.channelsOf('app-a').has('huawei'), 'the older snapshot must not drop the channel just set');
    // and the next refresh, which sees the row, agrees
    await service.refresh();
    assert.deepEqual([...service.channelsOf('app-a')], ['huawei']);
  });

  test('a channel removed while a refresh reads the store does not come back with that snapshot', async () => {
    const { creds, release, listing } = heldList();
    const service = new ChannelCredentialService(creds, randomBytes(32));
    await service.set('app-b', 'huawei', hms());
    const refresh = service.refresh();
    await listing;
    assert.equal(await service.remove('app-b', 'huawei'), true);
    release();
    await refresh;
    assert.equal(service.channelsOf('app-b').has('huawei'), false);
  });

  test('changes made by another process show at the next refresh', async () => {
    const service = new ChannelCredentialService(store.channelCredentials, randomBytes(32));
    const other = new ChannelCredentialService(store.channelCredentials, randomBytes(32));
    await service.refresh();
    assert.equal(service.channelsOf('app-c').has('huawei'), false);
    await other.set('app-c', 'huawei', hms());
    await service.refresh();
    assert.ok(service.channelsOf('app-c').has('huawei'));
  });
});
