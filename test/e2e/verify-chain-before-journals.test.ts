import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { Chain } from '../../src/chain/chain.js';
import { openFileStore } from '../../src/chain/recovery.js';
import { loadComponent } from '../../src/component/load.js';
import { chainFile, readLines, tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, runCli } from '../support/runtime.js';

/**
 * A chain as a runtime wrote it before journals existed: the counter (a componentize-js actor
 * whose engine reads the clocks) with no "journal" in any entry. It must still open and verify.
 */
async function chainBeforeJournals(t: Parameters<typeof tempDir>[0], component: string): Promise<string> {
  const { hash } = await loadComponent(component, { maxMemoryMiB: 256 });
  const dataDir = tempDir(t);
  const { store } = await openFileStore(dataDir, { componentHash: hash, fsync: 'never', onWarning: () => {} });
  const chain = new Chain(store);
  await chain.commitStart(hash, { state: '{"count":0}', sends: [], journal: undefined });
  for (const [message, state] of [
    ['{"add":2}', '{"count":2}'],
    ['{"add":5}', '{"count":7}'],
  ] as const) {
    await chain.commitTransition(message, { state, sends: [], journal: undefined }).durable;
  }
  await chain.close();
  return dataDir;
}

test('a chain written before journals still verifies, and a runtime resumes it with journals from then on', async (t) => {
  const counter = await buildFixture('counter');
  const dataDir = await chainBeforeJournals(t, counter);
  assert.ok(readLines(dataDir).every((line) => !line.includes('"journal"')));

  const verified = await runCli(['verify', counter, dataDir]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal((await runCli(['verify', counter, chainFile(dataDir)])).code, 0);

  const runtime = await startInProcess(t, counter, { dataDir });
  assert.deepEqual((await getJson(`${runtime.url}/state`)).body.state, { count: 7 });
  assert.equal((await postJson(runtime.url, { add: 1 })).status, 200);
  await runtime.close();
  assert.deepEqual(await runtime.stopped, { exitCode: 0 });
  const last = JSON.parse(readLines(dataDir).at(-1)!) as { data: { journal?: unknown[][] } };
  assert.deepEqual(last.data.journal?.[0], ['new'], 'the first entry after resuming says it came from a fresh instance');

  const again = await runCli(['verify', counter, dataDir]);
  assert.equal(again.code, 0, again.stderr);
});
