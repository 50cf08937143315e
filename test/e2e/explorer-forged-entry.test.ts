/**
 * The explorer trusts nothing it is served: an entry whose content does not hash to its
 * name is marked as failing the browser's check, and the entries around it still pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { browserSkip, fileBrowser, openExplorer, screenshot, shownEntries } from '../support/browser.js';
import { startProxy } from '../support/explorer-proxy.js';
import { fetchChain, postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const sharedBrowser = fileBrowser();

test('an entry served with content that does not match its hash is marked data-verified="false"', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  for (let i = 1; i <= 3; i++) assert.equal((await postJson(runtime.url, { balance: i * 100 })).status, 200);
  const { entries } = await fetchChain(runtime.url);
  const forged = entries[5]!;
  assert.deepEqual(forged.data, { state: { balance: 200 } });
  // The proxy serves the real hash with a state the chain never held.
  const proxy = await startProxy(t, runtime.url, {
    forge: (entry) => (entry.hash === forged.hash ? { ...entry, data: { state: { balance: 1_000_000 } } } : entry),
  });

  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, proxy);
  const shown = await shownEntries(page);
  assert.equal(shown.length, entries.length);
  for (const entry of shown) assert.equal(entry.verified, entry.hash === forged.hash ? 'false' : 'true', entry.hash);
  assert.equal(await page.textContent(`[data-hash="${forged.hash}"] .mark`), '✗');
  assert.equal(await page.textContent('#check-summary'), '7 of 8 entries checked in this browser; 1 failed the check (marked ✗)');
  await screenshot(page, 'forged-entry');
  assert.deepEqual(problems, []);
});

test('an entry served under a wrong hash fails, and so does the link of the entry after it', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  for (let i = 1; i <= 3; i++) assert.equal((await postJson(runtime.url, { balance: i * 100 })).status, 200);
  const { entries } = await fetchChain(runtime.url);
  const renamed = entries[3]!;
  const wrongHash = 'f'.repeat(64);
  const proxy = await startProxy(t, runtime.url, { forge: (entry) => (entry.hash === renamed.hash ? { ...entry, hash: wrongHash } : entry) });

  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, proxy);
  const verdicts = Object.fromEntries((await shownEntries(page)).map((entry) => [entry.hash, entry.verified]));
  assert.equal(verdicts[wrongHash], 'false', 'its content does not hash to the name it is served under');
  assert.equal(verdicts[entries[4]!.hash], 'false', 'its parent is not the entry before it');
  assert.deepEqual(
    entries.filter((_, i) => i !== 3 && i !== 4).map((entry) => verdicts[entry.hash]),
    ['true', 'true', 'true', 'true', 'true', 'true'],
  );
  assert.deepEqual(problems, []);
});
