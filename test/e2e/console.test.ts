import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startClient, type TestClient } from '../helpers/devices.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { accessibilityViolations, addOperator, buildConsoleAssets, launchBrowser, openPage, signIn, skipWithoutChromium } from '../helpers/console.js';

/**
 * The web console in a real headless Chromium: an operator signs in, composes a push to a tag,
 * a simulated device (the SDK) receives it, the funnel counts it, the operator revokes it, and
 * the audit log shows all of it. Then every page, checked with axe-core, in Chinese, and on a
 * phone-sized screen; no request ever leaves the server.
 */
describe('the web console in headless Chromium', { skip: skipWithoutChromium }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let requests: string[];
  let device: TestClient;
  let msgId = '';
  const axeFindings: Record<string, string[]> = {};

  before(async () => {
    buildConsoleAssets();
    server = await startTestServer();
    await addOperator(server.node.ctx.store, 'alice', 'admin');
    device = await startClient(server, server.app, { tags: ['news'] });
    browser = await launchBrowser();
    ({ page, requests } = await openPage(browser, { locale: 'en-US', viewport: { width: 1280, height: 900 } }));
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    await browser?.close();
    await device?.close();
    await server?.close();
  });

  const visit = async (hash: string, heading: RegExp) => {
    await page.goto(`${server.url}/console#/${hash}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    axeFindings[hash] = await accessibilityViolations(page);
  };

  test('a wrong password is refused; the right one signs in and the cookie is HttpOnly and SameSite=Strict', async () => {
    await page.goto(`${server.url}/console`);
    axeFindings.login = await accessibilityViolations(page);
    await page.getByLabel('Name').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong name or password' }).waitFor();
    await signIn(page, server.url, 'alice');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'borealis_console');
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/console');
  });

  test('composes a push to a tag: live validation, audience size, preview; the device receives it', async () => {
    await visit('compose', /New push/);
    await page.locator('input[name="audience-values"]').fill('news');
    await page.locator('textarea[name="alert"]').fill('Hello from the console');
    await waitFor(async () => (await page.getByTestId('audience').textContent()) === '1' || undefined, 15_000, 'the audience size');
    await page.getByTestId('check').getByText('Valid').waitFor();
    // the preview names what Android's own connection and FCM would get
    await page.locator('summary', { hasText: 'android' }).first().waitFor();
    await page.locator('summary', { hasText: 'fcm' }).waitFor();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const result = await page.getByTestId('send-result').textContent();
    msgId = /msg_id (\d+)/.exec(result ?? '')?.[1] ?? '';
    assert.ok(msgId, `no msg_id in ${result}`);
    const [push] = await device.waitForPushes(1, 10_000);
    assert.equal(push!.msgId, msgId);
    assert.equal((push!.notification as { alert?: string } | undefined)?.alert, 'Hello from the console');
  });

  test('the history lists it and its funnel counts the receipt', async () => {
    await visit('pushes', /Push history/);
    await page.getByRole('link', { name: msgId }).click();
    await page.getByRole('heading', { level: 1, name: `msg_id ${msgId}` }).waitFor();
    const funnel = page.getByTestId('funnel');
    await waitFor(async () => {
      const rows = await funnel.locator('.bar-row').allTextContents();
      return rows.some((r) => /^Received1$/.test(r.replace(/\s/g, ''))) || undefined;
    }, 15_000, 'the receipt in the funnel');
    axeFindings['pushes/detail'] = await accessibilityViolations(page);
  });

  test('revokes it from the funnel page; the device is told to withdraw it', async () => {
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('push-state').filter({ hasText: 'revoked' }).waitFor();
    await device.waitForWithdraw(msgId, 10_000);
  });

  test('the audit log shows the sign-ins, the push and the revoke, with who and when', async () => {
    await visit('audit', /Audit log/);
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    const text = (await rows.allTextContents()).join('\n');
    for (const action of ['login.failed', 'login', 'push.send', 'push.revoke']) assert.match(text, new RegExp(`alice${action.replace('.', '\\.')}`), action);
    assert.match(text, new RegExp(msgId));
  });

  test('apps: creates an app, shows its secret once, rotates it, sets limits and a callback URL', async () => {
    await visit('apps', /^Apps$/);
    const form = page.getByRole('form', { name: 'Create App' });
    await form.getByLabel('Name').fill('shop');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('secret').first().waitFor();
    await page.getByRole('button', { name: 'test' }).click();
    await page.getByRole('button', { name: 'Rotate master secret' }).click();
    await page.getByText('Shown only now: keep it.').last().waitFor();
    await page.getByLabel('Broadcasts per day').fill('7');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await waitFor(async () => (await server.node.ctx.store.apps.get(server.app.appKey))?.broadcastPerDay === 7 || undefined, 5000, 'the limit');
    const cb = page.getByRole('form', { name: 'Create Callback URLs' });
    await cb.getByLabel('URL').fill('https://example.com/receipts');
    await cb.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'https://example.com/receipts' }).waitFor();
    axeFindings['apps/settings'] = await accessibilityViolations(page);
  });

  test('apps: creates a UMS channel (secret shown once), sets its settings and SMS credentials, closes it, by keyboard too', async () => {
    await visit('apps', /^Apps$/);
    const form = page.getByRole('form', { name: 'New UMS channel' });
    await form.getByLabel('Name', { exact: true }).fill('crm');
    await form.getByLabel(/Sends must name their submitter/).check();
    await form.getByRole('button', { name: 'New UMS channel' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'ChannelKey' });
    await shown.waitFor();
    const channelKey = (await shown.locator('code').first().textContent()) ?? '';
    const stored = await server.node.ctx.store.ums.getChannel(channelKey);
    assert.deepEqual([stored?.name, stored?.appKey, stored?.ownerRequired], ['crm', server.app.appKey, true]);
    assert.match((await shown.getByTestId('secret').textContent()) ?? '', /^[0-9a-f]{24}$/);
    const row = page.locator('tbody tr', { hasText: channelKey });
    await row.waitFor();

    // opened with the keyboard
    await row.getByRole('button', { name: 'Manage crm' }).focus();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('group', { name: `crm · ${channelKey}` });
    await panel.waitFor();
    const settings = panel.getByRole('form', { name: 'Channel settings' });
    await settings.getByLabel('Sensitive words').fill('spam, 赌博');
    await settings.getByLabel('Do-not-disturb hours').fill('22:00-08:00+08:00');
    await settings.getByLabel(/VIP features/).uncheck();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByRole('status').waitFor();
    const s = await server.node.ctx.store.ums.getSettings(channelKey);
    assert.deepEqual([s.sensitiveWords, s.quietHours?.utcOffsetMinutes, s.vip], [['spam', '赌博'], 480, false]);

    const creds = panel.getByRole('form', { name: /Messaging credentials/ });
    await creds.getByLabel('Channel', { exact: true }).selectOption('sms');
    await creds.getByLabel(/borealis ums credentials/).fill(JSON.stringify({ key: 'sms-key', secret: 'sms-secret-in-browser' }));
    await creds.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('button', { name: 'Remove sms' }).waitFor();
    assert.ok(await server.node.ctx.store.ums.getCredentials(channelKey, 'sms'));
    assert.doesNotMatch((await page.content()), /sms-secret-in-browser/, 'the credentials are not shown back');

    await row.getByRole('button', { name: 'Disable crm' }).click();
    await row.getByRole('button', { name: 'Enable crm' }).waitFor();
    assert.equal((await server.node.ctx.store.ums.getChannel(channelKey))?.enabled, false);
    axeFindings['apps/ums'] = await accessibilityViolations(page);
  });

  test('devices: looks a device up and shows why each recent push did or did not reach it', async () => {
    await visit('devices', /Devices/);
    await page.getByLabel(/Registration ID, alias/).fill(device.registrationId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: device.registrationId }).click();
    await page.getByRole('heading', { level: 1, name: device.registrationId }).waitFor();
    const trace = page.locator('tbody tr', { hasText: msgId });
    await trace.waitFor();
    assert.match(await trace.textContent() ?? '', /received/);
    axeFindings['devices/one'] = await accessibilityViolations(page);
  });

  test('segments and schedules: creates a segment, schedules a push from the composer, deletes both', async () => {
    await visit('segments', /Segments/);
    await page.getByLabel('Segment name').fill('readers');
    await page.getByLabel('Tags (any of)').fill('news');
    await page.getByRole('button', { name: 'Create' }).click();
    const row = page.locator('tbody tr', { hasText: 'readers' });
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /readers1/);

    await visit('compose', /New push/);
    await page.locator('input[name="audience-values"]').fill('news');
    await page.locator('textarea[name="alert"]').fill('Later');
    await page.getByLabel('Scheduled').check();
    // two days ahead: schedules may be at most a year ahead
    await page.getByLabel('Time (server zone)').fill(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 16));
    await page.getByLabel('Schedule name').fill('new_year');
    await page.getByTestId('check').getByText('Valid').waitFor();
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    const outcome = page.getByTestId('send-result').or(page.getByRole('alert'));
    await outcome.waitFor();
    assert.match((await outcome.textContent()) ?? '', /^Scheduled: /);

    await visit('schedules', /Schedules/);
    await page.getByRole('button', { name: 'Remove new_year' }).click();
    await page.locator('tbody tr', { hasText: 'new_year' }).waitFor({ state: 'detached' });
    await visit('segments', /Segments/);
    await page.getByRole('button', { name: 'Remove readers' }).click();
    await page.locator('tbody tr', { hasText: 'readers' }).waitFor({ state: 'detached' });
  });

  test('live: the graph shows the connected device', async () => {
    await visit('live', /Live/);
    await waitFor(async () => Number(await page.getByTestId('connections').textContent()) >= 1 || undefined, 10_000, 'a connection');
    await page.locator('.uplot canvas').first().waitFor();
  });

  test('operators: an admin creates a viewer, who can look but not send', async () => {
    await visit('operators', /Operators/);
    await page.getByLabel('Name').fill('victor');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'victor' }).waitFor();

    const other = await openPage(browser);
    try {
      await signIn(other.page, server.url, 'victor');
      await other.page.goto(`${server.url}/console#/compose`);
      await other.page.getByRole('heading', { name: 'New push' }).waitFor();
      assert.equal(await other.page.getByRole('button', { name: 'Send', exact: true }).count(), 0, 'no send button for a viewer');
      assert.equal(await other.page.getByRole('link', { name: 'Operators' }).count(), 0);
    } finally {
      await other.context.close();
    }
  });

  test('Chinese: the language switch translates the console and is remembered', async () => {
    await page.getByLabel('Language').first().selectOption('zh');
    await page.getByRole('link', { name: '推送历史' }).waitFor();
    await page.reload();
    await page.getByRole('link', { name: '推送历史' }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.lang'), 'zh-CN');
    axeFindings.zh = await accessibilityViolations(page);
    await page.getByLabel('语言').first().selectOption('en');
  });

  test('a phone-sized screen: no page scrolls sideways, the menu stays reachable', async () => {
    const phone = await openPage(browser, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    try {
      await signIn(phone.page, server.url, 'alice');
      for (const hash of ['apps', 'compose', 'pushes', 'devices', 'schedules', 'segments', 'live', 'audit', 'operators']) {
        await phone.page.goto(`${server.url}/console#/${hash}`);
        await phone.page.getByRole('heading', { level: 1 }).waitFor();
        // measured against the screen: a mobile browser widens its layout to fit content that overflows
        const overflow = ((await phone.page.evaluate('document.documentElement.scrollWidth')) as number) - 375;
        assert.ok(overflow <= 1, `${hash} overflows by ${overflow} px`);
      }
      await phone.page.getByRole('link', { name: 'New push' }).click();
      await phone.page.getByRole('heading', { name: 'New push' }).waitFor();
    } finally {
      await phone.context.close();
    }
  });

  test('keyboard: the skip link and the menu are reachable with Tab', async () => {
    await page.goto(`${server.url}/console#/apps`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.className'), 'skip');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main');
  });

  test('every page passes axe-core WCAG 2 A/AA checks', () => {
    const failing = Object.entries(axeFindings).filter(([, v]) => v.length > 0);
    assert.deepEqual(failing, []);
    assert.ok(Object.keys(axeFindings).length >= 12, `checked ${Object.keys(axeFindings).join(', ')}`);
  });

  test('no request left the server: everything came from its own origin', () => {
    const outside = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:'));
    assert.deepEqual(outside, []);
  });
});
