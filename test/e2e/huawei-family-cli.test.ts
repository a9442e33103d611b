import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHmosChannel } from '../../src/channels/hmos/index.js';
import { createHonorChannel } from '../../src/channels/honor/index.js';
import { createHuaweiChannel } from '../../src/channels/huawei/index.js';
import { loadConfig } from '../../src/config.js';
import { openCredentials, openStore } from '../../src/node.js';
import { FakeHmos } from '../fakes/hmos-server.js';
import { FakeHonor } from '../fakes/honor-server.js';
import { FakeHms } from '../fakes/huawei-server.js';
import { runCli } from '../helpers/cli.js';
import { acceptedPush, relayTarget } from '../helpers/pushes.js';

describe('borealis app channel: huawei, hmos, honor credentials, stored sealed and used by the channels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-hw-cli-'));
  let appKey: string;
  let hms: FakeHms;
  let hmos: FakeHmos;
  let honor: FakeHonor;

  before(async () => {
    [hms, hmos, honor] = await Promise.all([FakeHms.start(), FakeHmos.start(), FakeHonor.start()]);
    const created = runCli(['app', 'create', '--name', 'phones', '--json', '--data', dir]);
    assert.equal(created.status, 0, created.stderr);
    appKey = (JSON.parse(created.stdout) as { appKey: string }).appKey;
  });
  after(() => Promise.all([hms.close(), hmos.close(), honor.close()]));

  test('each channel takes its flags; --show prints no secret; the stored credentials send through the fakes', async () => {
    const hw = hms.createApp();
    const setHw = runCli(['app', 'channel', appKey, 'huawei', '--app-id', hw.appId, '--app-secret', hw.appSecret, '--callback-user', 'cb', '--callback-key', 'cb-key-123', '--data', dir]);
    assert.equal(setHw.status, 0, setHw.stderr);
    const account = hmos.createServiceAccount();
    const file = join(dir, 'agc-service-account.json');
    writeFileSync(file, JSON.stringify(account));
    const setHmos = runCli(['app', 'channel', appKey, 'hmos', '--service-account', file, '--data', dir]);
    assert.equal(setHmos.status, 0, setHmos.stderr);
    const ho = honor.createApp();
    const setHonor = runCli(['app', 'channel', appKey, 'honor', '--app-id', ho.appId, '--client-id', ho.clientId, '--client-secret', ho.clientSecret, '--data', dir]);
    assert.equal(setHonor.status, 0, setHonor.stderr);

    const shown = runCli(['app', 'channel', appKey, 'huawei', '--show', '--json', '--data', dir]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).receipts, 'signed, callback user cb');
    assert.doesNotMatch(shown.stdout, new RegExp(hw.appSecret));
    const shownHmos = runCli(['app', 'channel', appKey, 'hmos', '--show', '--json', '--data', dir]);
    assert.equal(JSON.parse(shownHmos.stdout).project_id, account.project_id);
    assert.doesNotMatch(shownHmos.stdout, /PRIVATE KEY/);
    const db = readFileSync(join(dir, 'borealis.db'));
    assert.equal(db.includes(hw.appSecret), false);
    assert.equal(db.includes('PRIVATE KEY'), false);

    const config = loadConfig({ dataDir: dir });
    const store = openStore(config);
    try {
      const creds = openCredentials(config, store);
      const push = acceptedPush({ notification: { alert: 'stored', hmos: { alert: 'stored', category: 'IM' } } });
      const huawei = createHuaweiChannel({ endpoint: hms.url, tokenEndpoint: hms.tokenEndpoint });
      assert.equal((await huawei.send(push, [relayTarget('hw-tok')], (await creds.get(appKey, 'huawei'))!))[0]!.kind, 'delivered');
      const harmony = createHmosChannel({ endpoint: hmos.url });
      assert.equal((await harmony.send(push, [relayTarget('hm-tok', 'hmos')], (await creds.get(appKey, 'hmos'))!))[0]!.kind, 'delivered');
      const hon = createHonorChannel({ endpoint: honor.url, tokenEndpoint: honor.tokenEndpoint });
      assert.equal((await hon.send(push, [relayTarget('ho-tok')], (await creds.get(appKey, 'honor'))!))[0]!.kind, 'delivered');
    } finally {
      await store.close();
    }
  });

  test('missing or half flags and bad service accounts are refused with a message', () => {
    const noSecret = runCli(['app', 'channel', appKey, 'huawei', '--app-id', '123', '--data', dir]);
    assert.equal(noSecret.status, 2, noSecret.stderr);
    assert.match(noSecret.stderr, /--app-secret/);
    const half = runCli(['app', 'channel', appKey, 'honor', '--app-id', '1', '--client-id', 'c', '--client-secret', 's', '--callback-user', 'u', '--data', dir]);
    assert.notEqual(half.status, 0);
    assert.match(half.stderr, /go together/);
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ project_id: 'p', key_id: 'k', sub_account: 's', private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }));
    const bad = runCli(['app', 'channel', appKey, 'hmos', '--service-account', file, '--data', dir]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /hmos credentials refused: private_key/);
    const unknown = runCli(['app', 'channel', appKey, 'nokia', '--data', dir]);
    assert.notEqual(unknown.status, 0);
  });
});
