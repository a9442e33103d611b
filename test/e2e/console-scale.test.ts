import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import roaring from 'roaring';
import { createApp } from '../../src/apps/app-directory.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config.js';
import { startNode, type RunningNode } from '../../src/node.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { addOperator, buildConsoleAssets, launchBrowser, openPage, signIn, skipWithoutChromium } from '../helpers/console.js';

/**
 * The console on a big app: DEVICES devices (1,000,000 unless BOREALIS_CONSOLE_SCALE_DEVICES
 * says otherwise) and 10,000 pushes of history, written straight into a SQLite file. The pages
 * page and search on the server, so each answer takes about as long as on an empty app; the
 * times measured in the browser are printed and held to a bound loose enough for a loaded
 * machine.
 */
const DEVICES = Number(process.env.BOREALIS_CONSOLE_SCALE_DEVICES ?? 1_000_000);
const PUSHES = 10_000;
/** What "responsive" means here, for each step, on a shared CI machine. */
const BOUND_MS = 3000;

async function fill(path: string): Promise<{ appKey: string; rids: string[] }> {
  const store = new SqliteStore({ path, synchronous: 'normal' });
  try {
    const { appKey } = await createApp(store, 'big');
    const db = store.db;
    db.pragma('cache_size = -131072');
    const device = db.prepare(
      `INSERT INTO devices (app_key, num, registration_id, platform, secret_hash, alias, mobile, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, '{}', ?)`,
    );
    const tag = db.prepare('INSERT INTO device_tags (app_key, tag, num) VALUES (?, ?, ?)');
    const secret = randomBytes(32);
    const rids: string[] = [];
    const now = Date.now();
    db.transaction(() => {
      for (let num = 0; num < DEVICES; num++) {
        const rid = `${num.toString(36).padStart(8, '0')}${randomBytes(6).toString('hex')}`.slice(0, 19);
        if (num % 100_003 === 0) rids.push(rid);
        device.run(appKey, num, rid, num % 3 === 0 ? 'ios' : 'android', secret, num % 1000 === 0 ? `user${num}` : null, now);
        if (num % 10 === 0) tag.run(appKey, 'news', num);
      }
      db.prepare('INSERT INTO device_numbers (app_key, next_num) VALUES (?, ?)').run(appKey, DEVICES);
      const push = db.prepare(
        `INSERT INTO pushes (msg_id, app_key, created_at, expires_at, broadcast, body, targets, target_count, inbox) VALUES (?, ?, ?, ?, 0, ?, ?, ?, 0)`,
      );
      const u = new roaring.RoaringBitmap32([1, 2, 3]).serialize('portable');
      const targets = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      for (let i = 0; i < PUSHES; i++) {
        const body = { appKey, source: 'jpush', sendno: String(i), platforms: ['android', 'ios'], audience: { tag: ['news'] }, notification: { alert: `campaign ${i}` }, options: { timeToLive: 60 } };
        push.run(BigInt(1_000_000 + i), appKey, now - (PUSHES - i) * 1000, now - (PUSHES - i) * 1000 + 60_000, JSON.stringify(body), targets, 3);
      }
    })();
    return { appKey, rids };
  } finally {
    await store.close();
  }
}

describe(`the console on ${DEVICES.toLocaleString('en')} devices and ${PUSHES.toLocaleString('en')} pushes`, { skip: skipWithoutChromium }, () => {
  let dir: string;
  let node: RunningNode;
  let browser: Browser;
  let page: Page;
  let rids: string[];
  const times: Record<string, number> = {};

  before(async () => {
    buildConsoleAssets();
    dir = mkdtempSync(join(tmpdir(), 'borealis-console-scale-'));
    const started = performance.now();
    ({ rids } = await fill(join(dir, 'borealis.db')));
    const filled = performance.now();
    const config: Config = { ...DEFAULT_CONFIG, port: 0, dataDir: dir, logLevel: 'silent', store: { ...DEFAULT_CONFIG.store, synchronous: 'normal' } };
    node = await startNode(config);
    console.log(`# filled in ${Math.round(filled - started)} ms; the node loaded its index in ${Math.round(performance.now() - filled)} ms`);
    await addOperator(node.ctx.store, 'big', 'admin');
    browser = await launchBrowser();
    ({ page } = await openPage(browser, { locale: 'en-US' }));
    await signIn(page, node.url, 'big');
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`# console times in the browser (ms): ${JSON.stringify(times)}`);
  });

  /** Milliseconds from starting `act` until `done` resolves, as the operator waits for it. */
  async function timed(what: string, act: () => Promise<unknown>, done: () => Promise<unknown>): Promise<void> {
    const t0 = performance.now();
    await act();
    await done();
    times[what] = Math.round(performance.now() - t0);
    assert.ok(times[what]! < BOUND_MS, `${what} took ${times[what]} ms`);
  }

  test('the history opens on the newest page, counts all 10,000, and loads the next page', async () => {
    await timed(
      'history',
      () => page.goto(`${node.url}/console#/pushes`),
      () => page.getByRole('link', { name: String(1_000_000 + PUSHES - 1) }).waitFor(),
    );
    assert.equal(await page.getByTestId('push-total').textContent(), PUSHES.toLocaleString('en'));
    await timed(
      'history next page',
      () => page.getByRole('button', { name: 'Load more' }).click(),
      () => page.getByRole('link', { name: String(1_000_000 + PUSHES - 51) }).waitFor(),
    );
  });

  test('searching the content of 10,000 pushes answers on the server', async () => {
    await page.getByLabel(/^Search/).fill('campaign 4242');
    await timed(
      'history search',
      () => page.getByRole('button', { name: 'Search' }).click(),
      () => page.getByTestId('push-total').filter({ hasText: /^1$/ }).waitFor(),
    );
    await page.getByRole('link', { name: String(1_000_000 + 4242) }).waitFor();
  });

  test('a push\'s funnel opens', async () => {
    await timed(
      'push detail',
      () => page.goto(`${node.url}/console#/pushes/${1_000_000 + 77}`),
      () => page.getByTestId('funnel').waitFor(),
    );
  });

  test(`a device is found among ${DEVICES.toLocaleString('en')} by registration id and by alias`, async () => {
    await page.goto(`${node.url}/console#/devices`);
    await page.getByLabel(/Registration ID, alias/).fill(rids.at(-1)!);
    await timed(
      'device lookup',
      () => page.getByRole('button', { name: 'Search' }).click(),
      () => page.getByRole('link', { name: rids.at(-1)! }).waitFor(),
    );
    await page.getByLabel(/Registration ID, alias/).fill('user1000');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('tbody tr').filter({ hasText: 'user1000' }).waitFor();
    await timed(
      'device trace',
      () => page.getByRole('link').filter({ hasText: /^[0-9a-z]{19}$/ }).first().click(),
      () => page.getByRole('heading', { name: 'Trace of recent pushes' }).waitFor(),
    );
  });

  test('the composer sizes a broadcast and a tag audience', async () => {
    await page.goto(`${node.url}/console#/compose`);
    await page.locator('textarea[name="alert"]').fill('hello everyone');
    await page.getByRole('combobox', { name: 'Audience' }).selectOption('all');
    await timed(
      'audience of all',
      async () => {},
      () => page.getByTestId('audience').filter({ hasText: DEVICES.toLocaleString('en') }).waitFor(),
    );
    await page.getByRole('combobox', { name: 'Audience' }).selectOption('tag');
    await timed(
      'audience of a tag',
      () => page.locator('input[name="audience-values"]').fill('news'),
      () => page.getByTestId('audience').filter({ hasText: Math.ceil(DEVICES / 10).toLocaleString('en') }).waitFor(),
    );
  });
});
