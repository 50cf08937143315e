/**
 * A runtime started with --token-reads (here in process: token and tokenReads) answers 401 to
 * every read: the explorer asks for the token, reads the chain with it, and posts with it
 * without asking again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { browserSkip, launchBrowser, screenshot, shownEntries } from '../support/browser.js';
import { startInProcess } from '../support/in-process.js';

const TOKEN = 'read-s3cret';

test('with --token-reads the page asks for the token, then shows and checks the chain', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('counter'), { token: TOKEN, tokenReads: true });
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  await fetch(`${runtime.url}/`, { method: 'POST', headers: auth, body: '{"add": 2}' });
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const uncaught: string[] = [];
  page.on('pageerror', (error) => uncaught.push(error.message));
  await page.goto(`${runtime.url}/explorer`);

  await page.waitForSelector('#read-token');
  assert.match((await page.textContent('#history'))!, /UNAUTHORIZED.*--token-reads/s);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'read-token', 'the token field has the focus');
  await screenshot(page, 'read-token-asked');

  await page.fill('#read-token', TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#history [data-verified]');
  const head = (await (await fetch(`${runtime.url}/head`, { headers: auth })).json()) as { head: string; length: number };
  const entries = await shownEntries(page);
  assert.equal(entries.length, head.length);
  assert.ok(entries.every((e) => e.verified === 'true'));
  assert.ok(
    entries.some((e) => e.hash === head.head),
    'HEAD is shown',
  );

  // Posting uses the token given for reading.
  await page.fill('form#post textarea[name=message]', '{"add": 1}');
  await page.click('form#post button[type=submit]');
  await page.waitForSelector('#post-result.ok');
  assert.equal(await page.isHidden('#token-field'), true, 'no second token asked for');
  assert.equal(((await (await fetch(`${runtime.url}/head`, { headers: auth })).json()) as { length: number }).length, head.length + 2);
  await screenshot(page, 'read-token-loaded');
  assert.deepEqual(uncaught, []);
});
