/**
 * GET /explorer in a real browser: the page shows the actor and its whole history as the API
 * does, checks every entry itself, and pages back on demand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { browserSkip, fileBrowser, openExplorer, screenshot, shownEntries } from '../support/browser.js';
import { tempDir } from '../support/chain-file.js';
import { fetchChain, getJson, postJson, sha256, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const sharedBrowser = fileBrowser();

/** The order the page shows entries in: steps (genesis with init, each message with its state) newest first. */
function pageOrder(entries: Array<{ hash: string }>): string[] {
  const steps: string[][] = [];
  for (let i = 0; i < entries.length; i += 2) steps.push(entries.slice(i, i + 2).map((entry) => entry.hash));
  return steps.reverse().flat();
}

test('the explorer shows the head, the state and every entry, each checked in the browser', { skip: browserSkip }, async (t) => {
  const runtime = await startRuntime(t, await buildFixture('counter'), ['--data-dir', tempDir(t), '--allow-send', 'http://127.0.0.1:9']);
  for (const message of [{ add: 2 }, { add: 3 }, { forward: { to: 'http://127.0.0.1:9/', message: { hello: 'there' } } }]) {
    assert.equal((await postJson(runtime.url, message)).status, 200);
  }
  const chain = await fetchChain(runtime.url);
  const head = (await getJson(`${runtime.url}/head`)).body;
  const { state } = (await getJson(`${runtime.url}/state`)).body;

  const browser = await sharedBrowser();
  const { page, problems, requests } = await openExplorer(browser, runtime.url, { colorScheme: 'light' });
  await page.waitForFunction(() => document.querySelector('#check-summary')?.textContent?.startsWith('8 of 8'));

  assert.equal(await page.getAttribute('#head', 'title'), head.head);
  assert.match((await page.textContent('#length'))!, /^8 entries/);
  assert.match((await page.textContent('#storage'))!, /on disk/);
  assert.equal(await page.textContent('#component-hash'), chain.entries[0]!.data['component-hash']);
  const stateText = (await page.textContent('#state'))!;
  assert.deepEqual(state, { count: 5, forwarded: 1 });
  assert.match(stateText, /"count": 5/);
  assert.match(stateText, /"forwarded": 1/);

  const shown = await shownEntries(page);
  assert.deepEqual(
    shown.map((entry) => entry.hash),
    pageOrder(chain.entries),
    'every entry, newest step first',
  );
  assert.ok(
    shown.every((entry) => entry.verified === 'true'),
    JSON.stringify(shown),
  );
  assert.equal(await page.textContent('#check-summary'), '8 of 8 entries checked in this browser');
  assert.equal(await page.textContent('#verify-command'), `actorchain verify <component.wasm> ${runtime.url}`);
  assert.match((await page.textContent(`[data-hash="${head.head}"]`))!, /Sends.*http:\/\/127\.0\.0\.1:9\/.*"hello":"there"/s);
  assert.match((await page.textContent(`[data-hash="${chain.entries[3]!.hash}"]`))!, /count 0 → 2/, 'the state shown as a change');

  // Every hash links to its entry, whose bytes hash to it.
  const link = await page.getAttribute(`[data-hash="${head.head}"] a.hash`, 'href');
  const bytes = new Uint8Array(await (await fetch(new URL(link!, `${runtime.url}/explorer`))).arrayBuffer());
  assert.equal(sha256(bytes), head.head);

  const response = await fetch(`${runtime.url}/explorer`);
  assert.match(response.headers.get('content-security-policy')!, /^default-src 'self'/);
  assert.deepEqual(
    requests.filter((url) => !url.startsWith(`${runtime.url}/`)),
    [],
    'the page loads nothing from elsewhere',
  );
  await screenshot(page, 'loaded-wide-light');
  await page.click(`[data-hash="${head.head}"] .full-state summary`);
  await screenshot(page, 'loaded-full-state-open');

  const phone = await openExplorer(browser, runtime.url, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await screenshot(phone.page, 'loaded-phone-dark');
  assert.deepEqual([...problems, ...phone.problems], [], 'no console errors');
});

test('a page of 1,000 entries renders whole and checked, and older entries load on demand', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  for (let i = 0; i < 600; i++) assert.equal((await postJson(runtime.url, { i, even: i % 2 === 0 })).status, 200);
  const chain = await fetchChain(runtime.url);
  assert.equal(chain.entries.length, 1202);

  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, runtime.url);
  await page.waitForFunction(() => document.body.dataset.loadMs !== undefined);
  const loadMs = Number(await page.evaluate(() => document.body.dataset.loadMs));
  t.diagnostic(`first page of 1,000 entries: fetched, checked and rendered in ${loadMs} ms`);
  // The goal is under a second: reported, not asserted (a loaded machine says nothing about the page).
  assert.ok(Number.isFinite(loadMs), 'the page reports its load time');
  assert.equal(await page.textContent('#check-summary'), '1000 of 1000 entries checked in this browser. 202 older entries are not loaded yet.');
  await screenshot(page, 'long-chain-first-page', false);

  await page.click('#older');
  await page.waitForFunction(() => document.querySelector('#check-summary')?.textContent === '1202 of 1202 entries checked in this browser');
  const shown = await shownEntries(page);
  assert.deepEqual(
    shown.map((entry) => entry.hash),
    pageOrder(chain.entries),
  );
  assert.ok(shown.every((entry) => entry.verified === 'true'));
  assert.equal(await page.isHidden('#older'), true, 'nothing older than genesis');
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await screenshot(page, 'long-chain-older-loaded', false);
  assert.deepEqual(problems, []);
});

test('entries too large for one page are paged by bytes, and every one is still checked', { skip: browserSkip }, async (t) => {
  const MiB = 2 ** 20;
  const runtime = await startRuntime(t, await buildFixture('echo'), ['--max-body', String(2 * MiB)]);
  // Messages of 1.3 MiB, and so states as large: a page of 8 MiB holds five or six entries.
  for (let i = 0; i < 4; i++) assert.equal((await postJson(runtime.url, { i, text: String(i).repeat(1.3 * MiB) })).status, 200);
  const chain = await fetchChain(runtime.url);

  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, runtime.url);
  let clicks = 0;
  while (await page.isVisible('#older')) {
    const before = (await shownEntries(page)).length;
    await page.click('#older');
    await page.waitForFunction((count) => document.querySelectorAll('#history [data-hash]').length > count, before);
    clicks++;
  }
  assert.ok(clicks >= 1, 'the chain did not fit one page');
  const shown = await shownEntries(page);
  assert.deepEqual(
    shown.map((entry) => entry.hash),
    pageOrder(chain.entries),
  );
  assert.ok(
    shown.every((entry) => entry.verified === 'true'),
    JSON.stringify(shown),
  );
  assert.equal(await page.textContent('#check-summary'), '10 of 10 entries checked in this browser');
  assert.deepEqual(problems, []);
});
