/**
 * Entries may carry more than the page knows (a replay journal on state entries, an
 * idempotency key on messages, members added later): the explorer shows them all. The
 * members here are added by a proxy, so these entries also fail the browser's check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { browserSkip, fileBrowser, openExplorer, screenshot } from '../support/browser.js';
import { startProxy } from '../support/explorer-proxy.js';
import { postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const sharedBrowser = fileBrowser();

test('a journal, an idempotency key and members the page does not know are shown', { skip: browserSkip }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const reply = await postJson(runtime.url, { pay: 10 });
  const proxy = await startProxy(t, runtime.url, {
    forge: (entry) => {
      if (entry.hash === reply.body.message) return { ...entry, data: { ...entry.data, 'idempotency-key': 'order-17' } };
      if (entry.hash === reply.body.head) {
        const journal = [['new'], ['mn', '799735082387', 20], ['wn', '1764100000', 0]];
        return { ...entry, data: { ...entry.data, journal, 'from-the-future': { v: 2 } } };
      }
      return entry;
    },
  });
  const browser = await sharedBrowser();
  const { page, problems } = await openExplorer(browser, proxy);
  const message = (await page.textContent(`[data-hash="${reply.body.message}"]`))!;
  assert.match(message, /idempotency-key.*"order-17"/s);
  const entry = `[data-hash="${reply.body.head}"]`;
  const state = (await page.textContent(entry))!;
  // The journal is one line, collapsed: a count record is that many reads, the marker none.
  assert.match(state, /journal: 21 reads \(fresh instance\)/);
  assert.doesNotMatch(state, /799735082387/, 'the records are built only when opened');
  await page.click(`${entry} details.journal > summary`);
  // The records are built on the details' toggle event, which the browser fires after the click returns.
  const journal = `${entry} details.journal`;
  await page.waitForFunction((selector) => document.querySelector(selector)?.textContent?.includes('1764100000'), journal);
  assert.match((await page.textContent(journal))!, /\["mn","799735082387",20\].*\["wn","1764100000",0\]/s);
  assert.match(state, /from-the-future.*"v": 2/s);
  await screenshot(page, 'entry-members');
  assert.deepEqual(problems, []);
});
