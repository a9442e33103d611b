import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createChannelRegistry } from '../../src/channels/registry.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { runCli } from '../helpers/cli.js';

describe('borealis app channel: Xiaomi, OPPO, vivo and Meizu credentials', () => {
  let dir: string;
  let appKey: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-cn-creds-'));
    const created = runCli(['app', 'create', '--name', 'cn', '--json', '--data', dir]);
    assert.equal(created.status, 0, created.stderr);
    appKey = (JSON.parse(created.stdout) as { appKey: string }).appKey;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('each vendor stores its credentials; --show prints identifiers, never a secret; --remove', () => {
    const cases: [string, string[], Record<string, string>, string][] = [
      ['xiaomi', ['--app-secret', 'MI-SECRET-xyz', '--package', 'com.example.news'], { package: 'com.example.news' }, 'MI-SECRET-xyz'],
      ['oppo', ['--app-key', 'oppoKey1', '--master-secret', 'OPPO-MASTER-xyz'], { appKey: 'oppoKey1' }, 'OPPO-MASTER-xyz'],
      ['vivo', ['--app-id', '10004', '--app-key', 'vivoKey', '--app-secret', 'VIVO-SECRET-xyz'], { appId: '10004', appKey: 'vivoKey' }, 'VIVO-SECRET-xyz'],
      ['meizu', ['--app-id', '110000', '--app-secret', 'MZ-SECRET-xyz'], { appId: '110000' }, 'MZ-SECRET-xyz'],
    ];
    for (const [channel, flags, shown, secret] of cases) {
      const set = runCli(['app', 'channel', appKey, channel, ...flags, '--data', dir]);
      assert.equal(set.status, 0, `${channel}: ${set.stderr}`);
      assert.ok(!set.stdout.includes(secret), `${channel} printed its secret`);
      const show = runCli(['app', 'channel', appKey, channel, '--show', '--json', '--data', dir]);
      assert.equal(show.status, 0, show.stderr);
      const out = JSON.parse(show.stdout) as Record<string, string>;
      assert.equal(out.channel, channel);
      for (const [k, v] of Object.entries(shown)) assert.equal(out[k], v, `${channel}.${k}`);
      assert.ok(!show.stdout.includes(secret), `${channel} --show printed its secret`);
    }
    assert.equal(runCli(['app', 'channel', appKey, 'meizu', '--remove', '--data', dir]).status, 0);
    assert.equal(runCli(['app', 'channel', appKey, 'meizu', '--show', '--data', dir]).status, 1);
  });

  test('missing flags and malformed values are refused with the reason', () => {
    const missing = runCli(['app', 'channel', appKey, 'vivo', '--app-id', '1', '--app-key', 'k', '--data', dir]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /--app-secret/);
    const badPkg = runCli(['app', 'channel', appKey, 'xiaomi', '--app-secret', 's', '--package', 'not a package', '--data', dir]);
    assert.equal(badPkg.status, 1);
    assert.match(badPkg.stderr, /package/);
    const badId = runCli(['app', 'channel', appKey, 'meizu', '--app-id', 'abc', '--app-secret', 's', '--data', dir]);
    assert.equal(badId.status, 1);
    assert.match(badId.stderr, /appId/);
    const unknown = runCli(['app', 'channel', appKey, 'nokia', '--data', dir]);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /xiaomi/);
  });

  test('configuration: vendor endpoints and the receipt base URL are checked; the registry holds the four channels', () => {
    const ok = loadConfig({}, { BOREALIS_CONFIG: '' });
    assert.equal(ok.channels.xiaomi.endpoint, 'https://api.xmpush.xiaomi.com');
    const registry = createChannelRegistry(ok.channels);
    for (const id of ['xiaomi', 'oppo', 'vivo', 'meizu'] as const) {
      const ch = registry.get(id);
      assert.equal(ch?.id, id);
      assert.equal(ch?.maxBatch, 1000);
      assert.equal(typeof ch?.receipts, 'function');
    }
    const file = join(dir, 'bad.json');
    for (const [patch, message] of [
      [{ channels: { oppo: { endpoint: 'ftp://x' } } }, /channels\.oppo\.endpoint/],
      [{ channels: { vivo: { timeoutMs: 0 } } }, /channels\.vivo\.timeoutMs/],
      [{ channels: { receiptBaseUrl: 'https://push.example.com/?x=1' } }, /receiptBaseUrl/],
    ] as const) {
      writeFileSync(file, JSON.stringify(patch));
      assert.throws(() => loadConfig({ configFile: file }, {}), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    }
  });
});

