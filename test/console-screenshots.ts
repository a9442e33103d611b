/**
 * Regenerates the console screenshots in docs/console/ (npm run console:screenshots): a node
 * on a fresh data directory with a few devices, pushes, a segment and a schedule, each main
 * page photographed at desktop width, and the composer and history on a phone.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startClient } from './helpers/devices.js';
import { addOperator, buildConsoleAssets, launchBrowser, openPage, signIn } from './helpers/console.js';
import { startTestServer } from './helpers/server.js';
import { updateChannelSettings } from '../src/ums/channels.js';
import { createChannel, setMessagingCredentials } from '../src/ums/secrets.js';

const OUT = fileURLToPath(new URL('../docs/console/', import.meta.url));

async function main(): Promise<void> {
  buildConsoleAssets();
  mkdirSync(OUT, { recursive: true });
  const server = await startTestServer();
  const devices = [];
  try {
    await addOperator(server.node.ctx.store, 'alice', 'admin');
    for (const tags of [['news'], ['news', 'sports'], ['sports']]) devices.push(await startClient(server, server.app, { tags }));
    await devices[0]!.client.setAlias('alice_phone');
    const auth = 'Basic ' + Buffer.from(`${server.app.appKey}:${server.app.masterSecret}`).toString('base64');
    const push = (body: unknown) => fetch(`${server.url}/v3/push`, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ msg_id: string }>);
    let last = '';
    for (const [alert, tag] of [['Breaking: the river froze', 'news'], ['Final score 3:2', 'sports'], ['Weekend digest', 'news']] as const) {
      last = (await push({ platform: 'all', audience: { tag: [tag] }, notification: { alert, android: { title: 'Borealis' } } })).msg_id;
    }
    await devices[1]!.waitForPushes(2, 5000);
    await fetch(`${server.url}/v3/segments`, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify({ name: 'readers', tag: ['news'] }) });
    const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    await fetch(`${server.url}/v3/schedules`, {
      method: 'POST',
      headers: { authorization: auth },
      body: JSON.stringify({ name: 'morning_digest', enabled: true, trigger: { single: { time: `${tomorrow} 08:00:00` } }, push: { platform: 'all', audience: { tag: ['news'] }, notification: { alert: 'Good morning' } } }),
    });

    // a UMS channel that sends to the app, with SMS credentials, for the Apps page
    const ums = server.node.ctx.ums;
    const crm = await createChannel(ums.store, ums.sealingKey, { name: 'crm', appKey: server.app.appKey });
    await updateChannelSettings(ums.store, crm.channelKey, { sensitiveWords: ['spam'], quietHours: '22:00-08:00+08:00' });
    await setMessagingCredentials(ums.store, ums.sealingKey, ums.messaging, crm.channelKey, 'sms', { key: 'sms-key', secret: 'sms-secret' });

    const browser = await launchBrowser();
    try {
      const { page } = await openPage(browser, { locale: 'en-US', viewport: { width: 1280, height: 860 } });
      await signIn(page, server.url, 'alice');
      const shoot = async (hash: string, file: string, ready: () => Promise<unknown>) => {
        await page.goto(`${server.url}/console#/${hash}`);
        await ready();
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${OUT}${file}.png`, fullPage: hash !== 'live' });
      };
      await shoot('apps', 'apps', () => page.getByRole('heading', { name: 'Limits' }).waitFor());
      await page.goto(`${server.url}/console#/compose`);
      await page.locator('input[name="audience-values"]').fill('news');
      await page.locator('textarea[name="alert"]').fill('Snow tonight: roads close at 22:00');
      await page.locator('input[name="title"]').fill('Weather');
      await page.getByTestId('check').getByText('Valid').waitFor();
      await page.locator('summary', { hasText: 'huawei' }).click();
      await page.screenshot({ path: `${OUT}compose.png`, fullPage: true });
      await shoot('pushes', 'pushes', () => page.locator('tbody tr').nth(2).waitFor());
      await shoot(`pushes/${last}`, 'push-funnel', () => page.getByTestId('funnel').waitFor());
      await shoot(`devices/${devices[1]!.registrationId}`, 'device-trace', () => page.locator('tbody tr').first().waitFor());
      await shoot('schedules', 'schedules', () => page.locator('tbody tr').first().waitFor());
      await shoot('segments', 'segments', () => page.locator('tbody tr').first().waitFor());
      await shoot('live', 'live', () => page.waitForTimeout(6000));
      await shoot('audit', 'audit', () => page.locator('tbody tr').first().waitFor());
      await page.getByLabel('Language').first().selectOption('zh');
      await shoot('pushes', 'pushes-zh', () => page.locator('tbody tr').first().waitFor());
      await page.getByLabel('语言').first().selectOption('en');

      const phone = await openPage(browser, { locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
      await signIn(phone.page, server.url, 'alice');
      await phone.page.goto(`${server.url}/console#/compose`);
      await phone.page.getByRole('heading', { name: 'New push' }).waitFor();
      await phone.page.screenshot({ path: `${OUT}phone-compose.png` });
      await phone.page.goto(`${server.url}/console#/pushes/${last}`);
      await phone.page.getByTestId('funnel').waitFor();
      await phone.page.screenshot({ path: `${OUT}phone-funnel.png` });
      await phone.page.goto(`${server.url}/console`);
    } finally {
      await browser.close();
    }
  } finally {
    for (const d of devices) await d.close();
    await server.close();
  }
}

await main();
