import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_CLI = process.env.npm_execpath;

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** npm as the test runner's npm, or the one on PATH. */
function npm(args: string[], cwd: string): string {
  return NPM_CLI && NPM_CLI.endsWith('.js') ? run(process.execPath, [NPM_CLI, ...args], cwd) : run('npm', args, cwd);
}

describe('the SDK as an installable package', () => {
  let dir: string;
  let server: TestServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-sdk-pkg-'));
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('builds JS and types, packs, and an app imports it by name, type-checks and receives a push', async () => {
    // build and pack a copy, so the worktree is left as it was
    const pkg = join(dir, 'sdk');
    cpSync(join(ROOT, 'sdk'), pkg, { recursive: true, filter: (src) => !src.includes(`${join('sdk', 'dist')}`) });
    run(process.execPath, [TSC, '-p', 'tsconfig.json', '--typeRoots', join(ROOT, 'node_modules', '@types')], pkg);
    const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], pkg)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/node.js', 'dist/node.d.ts', 'dist/browser.js', 'dist/browser.d.ts']) {
      assert.ok(files.includes(f), `${f} not packed`);
    }

    // an app with the tarball unpacked where npm would put it; ws (its one dependency) from here
    const app = join(dir, 'app');
    const installed = join(app, 'node_modules', '@borealis', 'sdk');
    mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', join(dir, packed[0]!.filename), '-C', installed, '--strip-components=1'], dir);
    symlinkSync(join(ROOT, 'node_modules', 'ws'), join(app, 'node_modules', 'ws'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));

    writeFileSync(
      join(app, 'check.ts'),
      `import { BorealisClient as Portable, BorealisError, type Push } from '@borealis/sdk';
import { BorealisClient, fileState } from '@borealis/sdk/node';
import { BrowserClient } from '@borealis/sdk/browser';
export type Browser = BrowserClient;
const onPush = (push: Push): string => push.msgId;
const client: BorealisClient = new BorealisClient({ server: 'http://x', appKey: 'k', platform: 'android', ...fileState('s.json') });
client.on('push', onPush);
const error: BorealisError = new BorealisError(1, 'x');
export { Portable, client, error };
// @ts-expect-error: platforms are checked
new BorealisClient({ server: 'http://x', appKey: 'k', platform: 'windows' });
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: [] }, files: ['check.ts'] }),
    );
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);

    writeFileSync(
      join(app, 'device.mjs'),
      `import { BorealisClient } from '@borealis/sdk/node';
const [server, appKey] = process.argv.slice(2);
const client = new BorealisClient({ server, appKey, platform: 'android' });
client.on('notification', async (push) => {
  console.log(JSON.stringify({ alert: push.notification.alert }));
  await client.close();
});
await client.connect();
await client.setTags({ add: ['pkg'] });
console.log('ready');
`,
    );
    const child = spawn(process.execPath, ['device.mjs', server.url, server.app.appKey], { cwd: app });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const deadline = Date.now() + 30_000;
    while (!out.includes('ready')) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `device did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const push = await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience: { tag: ['pkg'] }, notification: { alert: 'packaged' } } });
    assert.equal(push.status, 200, push.text);
    const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
    assert.equal(await exited, 0, err);
    clearTimeout(timeout);
    assert.match(out, /\{"alert":"packaged"\}/);
  });
});
