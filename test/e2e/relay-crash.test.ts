import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashSecret } from '../../src/apps/credentials.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/node.js';
import type { FakeApns } from '../fakes/apns-server.js';
import { makeSigningKey, startFakeApns, until } from '../helpers/apns.js';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.js';
import { hasOpenssl } from '../helpers/tls.js';

const DEVICES = 3000;
const SLICE = 100;
const CONCURRENCY = 2;

let fake: FakeApns;
let dir: string;
let serve: ServeProcess | undefined;

before(async () => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), 'borealis-crash-'));
  const started = await startFakeApns(['com.example.crash']);
  fake = started.fake;
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      store: { synchronous: 'normal' },
      channels: {
        caFile: started.caFile,
        apns: { endpoint: fake.origin, sandboxEndpoint: fake.origin },
        // slow enough that the kill lands mid-relay
        relay: { sliceDevices: SLICE, concurrency: CONCURRENCY, ratePerSecond: 1500, pollMs: 50 },
      },
    }),
  );
});

after(async () => {
  await serve?.stop('SIGKILL');
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a server killed mid-relay resends only unconfirmed slices', { skip: !hasOpenssl, timeout: 120_000 }, async () => {
  const args = ['--data', join(dir, 'data'), '--config', join(dir, 'config.json')];
  const created = runCli(['app', 'create', '--name', 'crash', '--json', ...args]);
  assert.equal(created.status, 0, created.stderr);
  const { appKey, masterSecret } = JSON.parse(created.stdout) as { appKey: string; masterSecret: string };
  const key = makeSigningKey();
  writeFileSync(join(dir, 'key.p8'), key.p8);
  fake.addKey({ keyId: 'CRASHKEY01', teamId: 'CRASHTEAM1', publicKey: key.publicKey });
  const set = runCli(['app', 'channel', appKey, 'apns', '--p8', join(dir, 'key.p8'), '--key-id', 'CRASHKEY01', '--team-id', 'CRASHTEAM1', '--topic', 'com.example.crash', ...args]);
  assert.equal(set.status, 0, set.stderr);
  assert.doesNotMatch(set.stdout, /PRIVATE KEY/);

  // the devices go straight into the store: registering 3,000 over HTTP would only slow the test
  const store = openStore(loadConfig({ dataDir: join(dir, 'data'), configFile: join(dir, 'config.json') }));
  const tokens: string[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const token = randomBytes(32).toString('hex');
    tokens.push(token);
    await store.devices.insert({ appKey, registrationId: `crash${String(i).padStart(10, '0')}`, platform: 'ios', secretHash: hashSecret('s'), alias: null, mobile: null, tokens: { apns: token }, createdAt: Date.now() });
  }
  await store.close();

  serve = await startServe(args);
  const res = await fetch(`${serve.url}/v3/push`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${appKey}:${masterSecret}`).toString('base64'), 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'all', audience: 'all', notification: { alert: 'survive' } }),
  });
  const accepted = (await res.json()) as { msg_id: string };
  assert.equal(res.status, 200, JSON.stringify(accepted));
  await until(() => fake.received.length >= DEVICES / 4, 'a quarter relayed', 60_000);
  await serve.stop('SIGKILL');
  const beforeKill = fake.received.length;
  assert.ok(beforeKill < DEVICES, `killed too late: ${beforeKill} already sent`);

  serve = await startServe(args);
  await until(() => new Set(fake.received.map((r) => r.token)).size === DEVICES, 'every device relayed after the restart', 60_000);
  const duplicates = fake.received.length - DEVICES;
  // only slices in flight at the kill go again: at most CONCURRENCY slices of SLICE devices
  assert.ok(duplicates <= CONCURRENCY * SLICE, `${duplicates} duplicates`);
  const missing = tokens.filter((t) => fake.to(t).length === 0);
  assert.deepEqual(missing, []);
  // the report counts each device once, however often it was sent
  const msgId = accepted.msg_id;
  {
    await until(async () => {
      const r = await fetch(`${serve!.url}/v3/received?msg_ids=${msgId}`, { headers: { authorization: 'Basic ' + Buffer.from(`${appKey}:${masterSecret}`).toString('base64') } });
      return ((await r.json()) as { ios_apns_sent: number }[])[0]?.ios_apns_sent === DEVICES;
    }, 'ios_apns_sent = every device', 30_000);
  }
  console.log(`relay crash: ${beforeKill} sent before the kill, ${duplicates} sent twice`);
});
