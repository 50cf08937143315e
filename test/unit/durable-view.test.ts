/**
 * What GET /head, /state, /chain and /chain/<hash> show while a pair is written but its
 * fdatasync is still in flight (the mailbox has already moved on), and after a sync fails:
 * only what is durable, and a failed pair is cut from chain.ndjson so no restart brings it
 * back. The store runs over a disk whose syncs the test decides.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { Chain } from '../../src/chain/chain.js';
import { openFileStore } from '../../src/chain/recovery.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { tempDir } from '../support/chain-file.js';
import { GatedDisk } from '../support/gated-disk.js';
import { getJson } from '../support/runtime.js';

const COMPONENT = 'c'.repeat(64);
const state = (n: number) => ({ state: `{"n":${n}}`, sends: [], journal: undefined });

test('the GET routes show a pair only once it is durable, and a pair whose sync failed never, not even after a restart', async (t) => {
  const dir = tempDir(t);
  const disk = await GatedDisk.create(path.join(dir, 'chain.ndjson'));
  const chain = new Chain(disk.store('always'));
  const started = chain.commitStart(COMPONENT, state(0));
  await disk.completeSync();
  await started;

  // The HTTP surface reads only the chain; no message is posted here.
  const sink = { submit: () => Promise.reject(new Error('not used by this test')) };
  const metrics = new Metrics({ chainLength: () => 0, queueDepth: () => 0, sendsPending: () => 0 });
  const options = { maxBodyBytes: 1024, durable: true, metrics, token: null, tokenReads: false, unready: () => undefined };
  const app = createApp(chain, sink, options, createLogger('silent'));
  const server = createServer(app).listen(0, '127.0.0.1');
  t.after(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const initHead = chain.head;

  const first = chain.commitTransition('{"n":1}', state(1));
  await disk.syncRequested();
  assert.equal(chain.head, first.stateHash, 'the working view moved at once, for the next message');
  assert.deepEqual((await getJson(`${url}/head`)).body, { head: initHead, length: 2, durable: true });
  assert.deepEqual((await getJson(`${url}/state`)).body, { head: initHead, state: { n: 0 } });
  const page = (await getJson(`${url}/chain`)).body;
  assert.equal(page.head, initHead);
  assert.equal(page.entries.length, 2);
  assert.equal(page.next, null);
  assert.equal((await getJson(`${url}/chain/${first.stateHash}`)).status, 404);
  assert.equal((await getJson(`${url}/chain?after=${first.messageHash}`)).status, 404);

  await disk.completeSync();
  await first.durable;
  assert.deepEqual((await getJson(`${url}/head`)).body, { head: first.stateHash, length: 4, durable: true });
  assert.deepEqual((await getJson(`${url}/state`)).body, { head: first.stateHash, state: { n: 1 } });
  assert.deepEqual(
    (await getJson(`${url}/chain?after=${initHead}`)).body.entries.map((e: { hash: string }) => e.hash),
    [first.messageHash, first.stateHash],
  );
  assert.equal((await getJson(`${url}/chain/${first.stateHash}`)).status, 200);
  const durableBytes = readFileSync(disk.path);

  const second = chain.commitTransition('{"n":2}', state(2));
  await disk.syncRequested();
  assert.notDeepEqual(readFileSync(disk.path), durableBytes, 'the pair was written before its sync');
  await disk.completeSync(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await assert.rejects(second.durable, { code: 'CHAIN_WRITE_FAILED', message: /EIO/ });
  assert.deepEqual((await getJson(`${url}/head`)).body, { head: first.stateHash, length: 4, durable: true }, 'HEAD did not move');
  assert.equal((await getJson(`${url}/chain/${second.stateHash}`)).status, 404);
  assert.deepEqual(readFileSync(disk.path), durableBytes, 'the failed pair was cut from the file');
  await chain.close();

  const reopened = await openFileStore(dir, { componentHash: COMPONENT, fsync: 'always', onWarning: () => {} });
  t.after(() => reopened.store.close());
  assert.equal(reopened.recovered, 4, 'a restart resumes from the last acknowledged pair');
  assert.deepEqual(reopened.state, { value: { n: 1 }, canonical: '{"n":1}' });
});
