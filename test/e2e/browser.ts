/**
 * Browser tests drive Debian's Chromium through playwright-core against a real test server that serves
 * the built web app (test/run.ts builds web/dist before the run).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { WEB_DIST } from '../../src/platform/http/web-app.js';
import type { AtriumModule } from '../../src/platform/types.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Browser tests need Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH.`);
  }
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error('The web app is not built: run the tests with `npm test` (it builds web/dist), or `npm run web:build` first.');
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export interface WebTest {
  server: TestApp;
  browser: Browser;
  /** A fresh browser profile (its own localStorage) with one page; errors thrown in the page are collected. */
  open(options?: { viewport?: { width: number; height: number }; locale?: string }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function startWebTest(options: { env?: Record<string, string>; modules?: AtriumModule[] } = {}): Promise<WebTest> {
  const browser = await launchBrowser();
  const server = await startTestApp(options);
  const contexts: BrowserContext[] = [];
  return {
    server,
    browser,
    async open({ viewport = DESKTOP, locale = 'en-GB' } = {}) {
      const context = await browser.newContext({ baseURL: server.url, viewport, locale, timezoneId: 'Europe/Paris' });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      return { context, page, errors };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await server.close();
    },
  };
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('user-menu').waitFor();
}

/** Writes screenshots/<name>-<width>.png (a git-ignored folder) to look at. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage });
}
