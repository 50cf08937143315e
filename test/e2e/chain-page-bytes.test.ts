/**
 * GET /chain pages are bounded in bytes as well as in entries, so a chain of large entries
 * can be paged (and verified through its URL) whatever `limit` asks for. The runtime runs in
 * this process (createRuntime), and so does verify (verifyChain), which reads it through its URL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import { buildFixture } from '../../fixtures/build.js';
import { PAGE_MAX_BYTES } from '../../src/chain/chain.js';
import { sealEntry } from '../../src/chain/entry.js';
import { MemoryStore } from '../../src/chain/memory-store.js';
import { openFileStore } from '../../src/chain/recovery.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { chainProblems, getJson, postJson, type ChainEntry } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

const MiB = 2 ** 20;
/** Each message makes two entries of about 1 MiB (echo's state is the message). */
const MESSAGES = 5;

const lineBytes = (entry: ChainEntry) => Buffer.byteLength(canonicalize({ data: entry.data, parent: entry.parent })!) + 1;

test('a chain of 1 MiB entries is served in pages of at most 8 MiB, and verifies through its URL', async (t) => {
  assert.ok(MESSAGES * 2 * MiB > PAGE_MAX_BYTES, 'the chain is larger than one page may be');
  const echo = await buildFixture('echo');
  const runtime = await startInProcess(t, echo, { dataDir: tempDir(t), maxBody: 2 * MiB });
  for (let i = 0; i < MESSAGES; i++) {
    const reply = await postJson(runtime.url, { i, text: String(i).repeat(MiB) });
    assert.equal(reply.status, 200, JSON.stringify(reply.body).slice(0, 200));
  }

  const entries: ChainEntry[] = [];
  let after: string | null = null;
  let head: string;
  let pages = 0;
  do {
    const query: string = after === null ? '' : `&after=${after}`;
    const { status, body } = await getJson(`${runtime.url}/chain?limit=10000${query}`);
    assert.equal(status, 200);
    const bytes = (body.entries as ChainEntry[]).reduce((sum, entry) => sum + lineBytes(entry), 0);
    assert.ok(bytes <= PAGE_MAX_BYTES, `page ${pages + 1} carries ${bytes} bytes`);
    entries.push(...body.entries);
    ({ head, next: after } = body);
    pages++;
  } while (after !== null);
  assert.ok(pages >= 2, `${pages} page(s)`);
  assert.equal(entries.length, 2 + MESSAGES * 2);
  assert.deepEqual(chainProblems(head, entries), []);

  assert.equal((await verifies(runtime.url, { component: echo })).entries, entries.length);
});

test('both stores stop a read before it passes the byte budget, but always give one entry', async (t) => {
  const genesis = sealEntry(null, { 'component-hash': 'c'.repeat(64) });
  const big = sealEntry(genesis.hash, { state: { text: 'x'.repeat(1000) } });
  const small = sealEntry(big.hash, { message: { n: 1 } });
  const entries = [genesis, big, small, sealEntry(small.hash, { state: { n: 1 } })];
  const line = (i: number) => Buffer.byteLength(entries[i]!.text) + 1;

  const { store: fileStore } = await openFileStore(tempDir(t), { componentHash: 'c'.repeat(64), fsync: 'never', onWarning: () => {} });
  t.after(() => fileStore.close());
  const memoryStore = new MemoryStore();
  for (const store of [fileStore, memoryStore]) {
    await store.append(entries.slice(0, 2));
    await store.append(entries.slice(2));
    const texts = entries.map((e) => e.text);
    assert.deepEqual(await store.read(0, 4), texts, 'no budget: everything asked for');
    assert.deepEqual(await store.read(0, 4, line(0) + line(1)), texts.slice(0, 2), 'as many as fit');
    assert.deepEqual(await store.read(0, 4, line(0) + line(1) - 1), texts.slice(0, 1));
    assert.deepEqual(await store.read(1, 4, 10), texts.slice(1, 2), 'one entry larger than the budget');
    assert.deepEqual(await store.read(2, 4, line(2) + line(3)), texts.slice(2, 4));
  }
});
