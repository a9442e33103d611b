import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The ./borealis wrapper and the build-if-stale step, in a copy of the project's layout with a
 * stand-in program (no TypeScript installed), so no real build runs here.
 */
describe('./borealis wrapper', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-wrapper-'));
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
    copyFileSync(join(ROOT, 'borealis'), join(dir, 'borealis'));
    copyFileSync(join(ROOT, 'scripts', 'build-if-stale.mjs'), join(dir, 'scripts', 'build-if-stale.mjs'));
    writeFileSync(join(dir, 'src', 'a.ts'), 'export {};\n');
    writeFileSync(join(dir, 'dist', 'src', 'cli', 'main.js'), "console.log(JSON.stringify(process.argv.slice(2)));\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const wrapper = (...args: string[]) => spawnSync('sh', [join(dir, 'borealis'), ...args], { cwd: tmpdir(), encoding: 'utf8', timeout: 30_000 });

  test('runs the build with the arguments as given; stdout is the program’s alone', () => {
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'src', 'a.ts'), past, past);
    const r = wrapper('push', '--alert', 'two words', '--tag', 'news');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '["push","--alert","two words","--tag","news"]\n');
    assert.equal(r.stderr, '');
  });

  test('a source newer than the build asks for a build; without TypeScript the existing build still runs', () => {
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'a.ts'), future, future);
    const r = wrapper('app', 'list');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '["app","list"]\n');
    assert.match(r.stderr, /sources changed/);
    assert.match(r.stderr, /TypeScript is not installed.*existing build/);
  });

  test('no build at all and no TypeScript: a clear failure', () => {
    rmSync(join(dir, 'dist'), { recursive: true });
    const r = wrapper('serve');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /TypeScript is not installed/);
  });
});
