import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runCliAsync } from '../helpers/cli.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

interface DeviceProcess {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
}

function startDevices(args: string[]): DeviceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'device', ...args]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function kill9(p: DeviceProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

function savedIds(file: string): string[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { registrationId: string }[]).map((s) => s.registrationId).sort();
}

describe('borealis device', () => {
  let server: TestServer;
  let dir: string;
  const running: DeviceProcess[] = [];
  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'borealis-device-'));
  });
  after(async () => {
    await Promise.all(running.map(kill9));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('after kill -9, --state FILE brings the same devices back, and they get pushes', async () => {
    const file = join(dir, 'devices.json');
    const args = ['--app-key', server.app.appKey, '--server', server.url, '--count', '3', '--tags', 'news', '--state', file];
    const first = startDevices(args);
    running.push(first);
    await waitFor('3 devices connected', () => first.stderr().includes('3 device(s) connected'));
    // no clean stop: the file must already hold what a restart needs
    await kill9(first);
    const ids = savedIds(file);
    assert.equal(ids.length, 3);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));

    const second = startDevices(args);
    running.push(second);
    await waitFor('3 devices connected again', () => second.stderr().includes('3 device(s) connected'));
    assert.doesNotMatch(second.stderr(), /registered/, 'no device registered anew');
    const push = await call(server, 'POST', '/v3/push', {
      body: { platform: 'all', audience: { tag: ['news'] }, notification: { alert: 'back' } },
    });
    assert.equal(push.status, 200, push.text);
    await waitFor('three deliveries', () => second.stdout().trim().split('\n').filter(Boolean).length >= 3);
    const got = second
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { registration_id: string; notification: { alert: string } });
    assert.deepEqual(got.map((g) => g.registration_id).sort(), ids);
    assert.ok(got.every((g) => g.notification.alert === 'back'));
    // the received msg_id is saved too (within the grouping delay), so a crash now does not show it twice
    const msgId = (push.body as { msg_id: string }).msg_id;
    await waitFor('seen ids saved', () => (JSON.parse(readFileSync(file, 'utf8')) as { seen: string[] }[]).every((s) => s.seen.includes(msgId)));
    await kill9(second);
    assert.deepEqual(savedIds(file), ids);
  });

  test('a stopped server: the error names the URL and what to check', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const url = `http://127.0.0.1:${port}`;
    const r = await runCliAsync(['device', '--app-key', server.app.appKey, '--server', url]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`${url}/v1/devices/register`), r.stderr);
    assert.match(r.stderr, /ECONNREFUSED/);
    assert.match(r.stderr, /--server/);
    assert.doesNotMatch(r.stderr, /failed: fetch failed$/m);
    assert.equal(r.stdout, '');
  });
});
