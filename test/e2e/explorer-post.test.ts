/**
 * Posting through the explorer's form (form#post, textarea[name=message]) commits the
 * message and shows the new head; a refusal shows its code and message; a runtime that wants
 * a token gets one asked for, kept in the tab's memory only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { browserSkip, fileBrowser, openExplorer, screenshot } from '../support/browser.js';
import { startProxy } from '../support/explorer-proxy.js';
import { getJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const sharedBrowser = fileBrowser();

/** Chromium reports every 4xx answer to fetch on the console; those the test asks for are expected. */
const expectedStatus = (statuses: number[]) => (problem: string) => !statuses.some((status) => problem.includes(`the server responded with a status of ${status}`));

test('the form commits a message and shows the new head, or the error code and message', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('counter'));
  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, runtime.url);

  await page.fill('form#post textarea[name=message]', '{"add": 4}');
  await page.click('form#post button[type=submit]');
  await page.waitForSelector('#post-result.ok');
  const head = (await getJson(`${runtime.url}/head`)).body;
  assert.equal(head.length, 4);
  assert.equal(await page.getAttribute('#post-result [data-head]', 'data-head'), head.head);
  assert.match((await page.textContent('#post-result'))!, /^Committed\. New head /);
  await page.waitForSelector(`#history [data-hash="${head.head}"][data-verified="true"]`);
  await page.waitForFunction(() => /"count": 4/.test(document.querySelector('#state')?.textContent ?? ''));
  await screenshot(page, 'posted');

  // Keyboard only: Ctrl+Enter in the message posts it.
  await page.focus('form#post textarea[name=message]');
  await page.keyboard.press('Control+a');
  await page.keyboard.type('{"subtract": 1}');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#post-result.bad');
  assert.match((await page.textContent('#post-result'))!, /^MESSAGE_REJECTED /);
  await screenshot(page, 'post-rejected');

  await page.fill('form#post textarea[name=message]', 'not json');
  await page.click('form#post button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#post-result')?.textContent?.startsWith('INVALID_JSON'));
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, head, 'a refused message commits nothing');
  assert.deepEqual(problems.filter(expectedStatus([400, 422])), []);
});

test('a runtime that answers 401 gets a token asked for, kept in memory only', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('counter'));
  const proxy = await startProxy(t, runtime.url, { token: 's3cret' });
  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, proxy);
  assert.equal(await page.isHidden('#token-field'), true, 'no token asked for until the runtime wants one');

  await page.fill('form#post textarea[name=message]', '{"add": 1}');
  await page.click('form#post button[type=submit]');
  await page.waitForSelector('#token-field:not([hidden])');
  assert.match((await page.textContent('#post-result'))!, /^UNAUTHORIZED .*enter it and post again/s);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'token', 'the token field has the focus');
  await screenshot(page, 'token-asked');

  await page.fill('#token', 'wrong');
  await page.click('form#post button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#post-result')?.textContent?.startsWith('UNAUTHORIZED'));
  await page.fill('#token', 's3cret');
  await page.click('form#post button[type=submit]');
  await page.waitForSelector('#post-result.ok');
  assert.equal((await getJson(`${runtime.url}/head`)).body.length, 4);

  const stored = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie, url: location.href }));
  assert.deepEqual(stored, { local: 0, session: 0, cookie: '', url: `${proxy}/explorer` });
  assert.deepEqual(problems.filter(expectedStatus([401])), []);
});
