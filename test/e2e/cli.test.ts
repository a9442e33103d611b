import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startServe } from '../helpers/cli.js';

const push = { platform: 'all', audience: 'all', notification: { alert: 'hi' } };

async function registerDevice(url: string, appKey: string) {
  const res = await fetch(`${url}/v1/devices/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_key: appKey, platform: 'android' }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { registration_id: string };
}

async function pushWith(url: string, appKey: string, secret: string) {
  const res = await fetch(`${url}/v3/push`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${appKey}:${secret}`).toString('base64'), 'content-type': 'application/json' },
    body: JSON.stringify(push),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('borealis CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('app create --json prints only the credentials', () => {
    const r = runCli(['app', 'create', '--name', 'shop', '--json', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    const creds = JSON.parse(r.stdout) as { appKey: string; masterSecret: string };
    assert.deepEqual(Object.keys(creds).sort(), ['appKey', 'masterSecret']);
    assert.match(creds.appKey, /^[0-9a-f]{24}$/);
    assert.match(creds.masterSecret, /^[0-9a-f]{24}$/);
  });

  test('the database does not contain the master secret', () => {
    const r = runCli(['app', 'create', '--name', 'secretive', '--json', '--data', dir]);
    const creds = JSON.parse(r.stdout) as { appKey: string; masterSecret: string };
    const db = new Database(join(dir, 'borealis.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM apps').all();
    db.close();
    const dump = JSON.stringify(rows, (_k, v: unknown) => (v && typeof v === 'object' && 'type' in v && (v as { type: string }).type === 'Buffer' ? Buffer.from((v as unknown as { data: number[] }).data).toString('latin1') : v));
    assert.ok(!dump.includes(creds.masterSecret));
    assert.ok(dump.includes(creds.appKey));
  });

  test('app list shows the apps', () => {
    const r = runCli(['app', 'list', '--json', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    const apps = JSON.parse(r.stdout) as { name: string }[];
    assert.deepEqual(apps.map((a) => a.name).sort(), ['secretive', 'shop']);
    assert.ok(!r.stdout.includes('secret_hash'));
  });

  test('usage errors exit 2 with a message', () => {
    const r = runCli(['app', 'create', '--data', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--name/);
    const u = runCli(['app', 'create', '--name', 'x', '--bogus', '--data', dir]);
    assert.equal(u.status, 2);
    const n = runCli(['app', 'rotate-secret', 'ffffffffffffffffffffffff', '--data', dir]);
    assert.equal(n.status, 1);
  });

  test('serve: first start creates an app, prints credentials and a curl; commands work while it runs', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'borealis-serve-'));
    const serve = await startServe(['--data', fresh]);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const out = serve.stdout();
      const appKey = /appKey:\s+([0-9a-f]{24})/.exec(out)?.[1];
      const secret = /masterSecret:\s+([0-9a-f]{24})/.exec(out)?.[1];
      assert.ok(appKey && secret, out);
      assert.match(out, /curl .*-u [0-9a-f]{24}:[0-9a-f]{24}/);
      assert.match(out, /device --app-key [0-9a-f]{24}/);
      // no device yet: nothing to target
      assert.equal((await pushWith(serve.url, appKey, secret)).body.error !== undefined, true);
      await registerDevice(serve.url, appKey);
      assert.equal((await pushWith(serve.url, appKey, secret)).status, 200);

      // health and metrics
      assert.equal((await fetch(`${serve.url}/healthz`)).status, 200);

      // create and rotate while the server runs
      const created = JSON.parse(runCli(['app', 'create', '--name', 'live', '--json', '--data', fresh]).stdout) as { appKey: string; masterSecret: string };
      await registerDevice(serve.url, created.appKey);
      assert.equal((await pushWith(serve.url, created.appKey, created.masterSecret)).status, 200);
      const rotated = JSON.parse(runCli(['app', 'rotate-secret', created.appKey, '--json', '--data', fresh]).stdout) as { masterSecret: string };
      await new Promise((r) => setTimeout(r, 2100)); // the server's app cache lives 2 s
      assert.equal((await pushWith(serve.url, created.appKey, created.masterSecret)).status, 401);
      assert.equal((await pushWith(serve.url, created.appKey, rotated.masterSecret)).status, 200);

      // logs are JSON lines
      const logLine = serve.stdout().split('\n').find((l) => l.startsWith('{'));
      assert.ok(logLine && JSON.parse(logLine).msg);
      assert.equal(await serve.stop('SIGTERM'), 0);
    } finally {
      await serve.stop('SIGKILL');
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('serve: a second start does not create another app; --config is read', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'borealis-serve-'));
    const configFile = join(fresh, 'borealis.json');
    writeFileSync(configFile, JSON.stringify({ limits: { requestsPerWindow: 3 } }));
    try {
      const first = await startServe(['--data', fresh, '--config', configFile]);
      await new Promise((r) => setTimeout(r, 200));
      const out = first.stdout();
      const appKey = /appKey:\s+([0-9a-f]{24})/.exec(out)![1]!;
      const secret = /masterSecret:\s+([0-9a-f]{24})/.exec(out)![1]!;
      await registerDevice(first.url, appKey);
      const res = await fetch(`${first.url}/v3/push`, {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`${appKey}:${secret}`).toString('base64') },
        body: JSON.stringify(push),
      });
      assert.equal(res.headers.get('x-rate-limit-limit'), '3');
      assert.equal(await first.stop('SIGINT'), 0);
      const second = await startServe(['--data', fresh]);
      await new Promise((r) => setTimeout(r, 200));
      assert.doesNotMatch(second.stdout(), /masterSecret:/);
      assert.equal(await second.stop(), 0);
      const list = JSON.parse(runCli(['app', 'list', '--json', '--data', fresh]).stdout) as unknown[];
      assert.equal(list.length, 1);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('a bad config file is a clear error, exit 2', () => {
    const configFile = join(dir, 'bad.json');
    writeFileSync(configFile, JSON.stringify({ limits: { nope: 1 } }));
    const r = runCli(['app', 'list', '--config', configFile, '--data', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown configuration key: limits.nope/);
  });
});
