import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.js';
import { createOperator } from '../../src/console/operators.js';
import type { ConsoleRole } from '../../src/store/console-types.js';
import type { Store } from '../../src/store/types.js';

export const skipWithoutChromium = existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium); console browser test skipped`;

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Bundles the console as the build does; a node started afterwards serves the fresh bundle. */
export function buildConsoleAssets(): void {
  const r = spawnSync(process.execPath, ['scripts/build-console.mjs'], { cwd: root(''), stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('the console bundle did not build');
}

export const PASSWORD = 'correct horse battery';

export async function addOperator(store: Store, name: string, role: ConsoleRole, apps: string[] | null = null): Promise<void> {
  await createOperator(store.console, { name, password: PASSWORD, role, apps });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
}

/** A page whose every request is recorded, to prove none leaves the server's origin. */
export async function openPage(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  return { context, page, requests };
}

export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel(/^(Name|用户名)$/).fill(name);
  await page.getByLabel(/^(Password|密码)$/).fill(PASSWORD);
  await page.getByRole('button', { name: /^(Sign in|登录)$/ }).click();
  await page.getByRole('navigation').waitFor();
}

const AXE = readFileSync(root('node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG A/AA checks on the page as it is; the violations, with their nodes. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const installed = await page.evaluate('typeof window.axe === "object"');
  if (!installed) await page.evaluate(AXE);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')))`)) as string[];
  return result;
}
