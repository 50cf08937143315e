/**
 * The explorer follows the chain: an entry committed by someone else appears within two
 * seconds, without a reload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { browserSkip, fileBrowser, openExplorer, screenshot } from '../support/browser.js';
import { startProxy } from '../support/explorer-proxy.js';
import { postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const sharedBrowser = fileBrowser();

test('entries committed from outside appear within two seconds', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, runtime.url);
  await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live');

  for (let i = 1; i <= 3; i++) {
    const reply = await postJson(runtime.url, { from: 'outside', i });
    assert.equal(reply.status, 200);
    const committed = performance.now();
    await page.waitForSelector(`#history [data-hash="${reply.body.head}"][data-verified="true"]`, { timeout: 10_000 });
    const ms = Math.round(performance.now() - committed);
    t.diagnostic(`message ${i} shown ${ms} ms after its 200`);
    assert.ok(ms < 2000, `shown ${ms} ms after it was committed`);
    assert.equal(await page.getAttribute('#head', 'title'), reply.body.head);
  }
  assert.equal(await page.textContent('#check-summary'), '8 of 8 entries checked in this browser');
  assert.match((await page.textContent('#length'))!, /^8 entries/);
  await screenshot(page, 'live-update');
  assert.deepEqual(problems, []);
});

test('with a runtime that long-polls, the page waits on its answer instead of asking every second', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const proxy = await startProxy(t, runtime.url, { longPoll: true });
  const browser = await sharedBrowser();
  const { page, problems, requests } = await openExplorer(browser, proxy);
  await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live');
  await page.waitForTimeout(3000);
  const polls = requests.filter((url) => url.includes('&wait=25'));
  assert.equal(polls.length, 1, `one request held for 3 s, not one a second: ${polls.join(' ')}`);

  const reply = await postJson(runtime.url, { from: 'outside' });
  const committed = performance.now();
  await page.waitForSelector(`#history [data-hash="${reply.body.head}"][data-verified="true"]`, { timeout: 10_000 });
  const ms = Math.round(performance.now() - committed);
  t.diagnostic(`shown ${ms} ms after its 200, through the long poll`);
  assert.ok(ms < 1000, `${ms} ms`);
  assert.deepEqual(problems, []);
});
