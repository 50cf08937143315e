/**
 * Test support for the explorer: Debian's Chromium driven by playwright-core. Where no
 * Chromium is installed the browser tests are skipped with `browserSkip` (a message saying
 * how to install it); `.ci/run` installs it, so CI runs them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, type TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.ACTORCHAIN_CHROMIUM ?? '/usr/bin/chromium';

/** False when the browser tests can run, else why they are skipped. */
export const browserSkip: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install -y chromium) or set ACTORCHAIN_CHROMIUM to its path`;

/** Where screenshots of each state of the page go, for review (git-ignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/explorer/', import.meta.url));

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A browser for one test, closed when it ends. */
export async function launchBrowser(t: TestContext): Promise<Browser> {
  const browser = await launch();
  t.after(() => browser.close());
  return browser;
}

/**
 * One browser for the tests of a file (a Chromium start costs about 2 s of CPU): launched when
 * the first test asks for it, closed after the file's last test. Every page is opened in a
 * context of its own (openExplorer: browser.newPage), so tests share no cookies or storage.
 * Call it at the file's top level.
 */
export function fileBrowser(): () => Promise<Browser> {
  let launched: Promise<Browser> | undefined;
  after(async () => {
    if (launched !== undefined) await (await launched).close();
  });
  return () => (launched ??= launch());
}

export interface ExplorerPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed requests, as they happen. */
  problems: string[];
  /** Every URL the page requested. */
  requests: string[];
}

/** Open `<url>/explorer` and wait until its history is shown. */
export async function openExplorer(browser: Browser, url: string, options: BrowserContextOptions = {}): Promise<ExplorerPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  page.on('requestfailed', (request) => {
    // A long poll cut short when the page closes is not a problem of the page.
    if (!page.isClosed()) problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  await page.goto(`${url}/explorer`);
  await page.waitForSelector('#history [data-verified]');
  return { page, problems, requests };
}

/** The whole page, or only the viewport for pages too long to review whole. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage });
}

/** `data-hash` and `data-verified` of every entry element, in page order (newest first). */
export function shownEntries(page: Page): Promise<Array<{ hash: string; verified: string }>> {
  return page.$$eval('#history [data-hash]', (elements) =>
    elements.map((element) => ({ hash: element.getAttribute('data-hash')!, verified: element.getAttribute('data-verified')! })),
  );
}
