/**
 * GET /chain?until=<hash> pages backwards from any entry, so a reader can show the newest
 * entries first without walking the chain from genesis; GET /head says whether it is on disk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { PAGE_MAX_BYTES } from '../../src/chain/chain.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { fetchChain, getJson, postJson, type ChainEntry } from '../support/runtime.js';

const MiB = 2 ** 20;

/** Every entry, newest page first, by following each page's first parent. */
async function walkBackwards(url: string, limit: number): Promise<{ entries: ChainEntry[]; pages: Array<ChainEntry[]> }> {
  const pages: Array<ChainEntry[]> = [];
  let until: string | null = (await getJson(`${url}/head`)).body.head;
  while (until !== null) {
    const { status, body } = await getJson(`${url}/chain?until=${until}&limit=${limit}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.entries.at(-1).hash, until, 'a page ends with until');
    pages.push(body.entries);
    until = body.entries[0].parent;
  }
  return { entries: pages.toReversed().flat(), pages };
}

test('until pages end at the entry named and walk back to genesis; next points forward', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  for (let i = 0; i < 5; i++) assert.equal((await postJson(runtime.url, { i })).status, 200);
  const all = await fetchChain(runtime.url);

  const { entries, pages } = await walkBackwards(runtime.url, 4);
  assert.deepEqual(entries, all.entries);
  assert.deepEqual(
    pages.map((page) => page.length),
    [4, 4, 4],
  );

  const head = (await getJson(`${runtime.url}/chain?until=${all.head}`)).body;
  assert.equal(head.next, null, 'nothing follows the head');
  const middle = all.entries[5]!.hash;
  const page = (await getJson(`${runtime.url}/chain?until=${middle}&limit=2`)).body;
  assert.deepEqual(
    page.entries.map((e: ChainEntry) => e.hash),
    [all.entries[4]!.hash, middle],
  );
  assert.equal(page.next, middle, 'after=next continues forward from the page');
  assert.equal(page.head, all.head);
});

test('until with after, or with an unknown hash, is refused', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const { head } = (await getJson(`${runtime.url}/head`)).body;
  const both = await getJson(`${runtime.url}/chain?until=${head}&after=${head}`);
  assert.equal(both.status, 400);
  assert.equal(both.body.error.code, 'INVALID_QUERY');
  const unknown = await getJson(`${runtime.url}/chain?until=${'0'.repeat(64)}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'NOT_FOUND');
  const malformed = await getJson(`${runtime.url}/chain?until=HEAD`);
  assert.equal(malformed.body.error.code, 'INVALID_HASH');
});

test('an until page over the byte budget keeps the newest entries that fit', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'), { maxBody: 2 * MiB });
  for (let i = 0; i < 5; i++) assert.equal((await postJson(runtime.url, { i, text: String(i).repeat(MiB) })).status, 200);
  const all = await fetchChain(runtime.url);
  const { entries, pages } = await walkBackwards(runtime.url, 10_000);
  assert.deepEqual(entries, all.entries);
  assert.ok(pages.length >= 2, `${pages.length} page(s)`);
  for (const page of pages) {
    const bytes = page.reduce((sum, entry) => sum + JSON.stringify(entry).length, 0);
    assert.ok(bytes <= PAGE_MAX_BYTES + 1000, `a page carries about ${bytes} bytes`);
  }
  assert.ok(pages[0]!.length < entries.length, 'the newest page stopped at the budget');
});

test('GET /head says whether the chain is written to disk', async (t) => {
  const echo = await buildFixture('echo');
  const memory = await startInProcess(t, echo);
  assert.equal((await getJson(`${memory.url}/head`)).body.durable, false);
  const disk = await startInProcess(t, echo, { dataDir: tempDir(t) });
  assert.equal((await getJson(`${disk.url}/head`)).body.durable, true);
  await disk.close();
});
