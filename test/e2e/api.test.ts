/**
 * The programmatic API, in process: createRuntime, createMirror and verifyChain as the package
 * exports them (src/index.ts), their options checked as the CLI's flags are, close() stopping as
 * SIGTERM does (the data dir's lock released, the chain resumable).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { createMirror, createRuntime, verifyChain } from '../../src/index.js';
import { forgeAndRelink, tempDir } from '../support/chain-file.js';
import { getJson, postJson } from '../support/runtime.js';

const quiet = { listen: '127.0.0.1:0', logLevel: 'silent' } as const;

test('createRuntime serves on its url, head() is the durable head, a second runtime on its data dir is refused, close() releases it for the next start', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const first = await createRuntime({ ...quiet, component: echo, dataDir });
  t.after(() => first.close());
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const reply = await postJson(first.url, { n: 1 });
  assert.equal(reply.status, 200);
  assert.equal(first.head(), reply.body.head);
  assert.equal((await getJson(new URL('head', first.url).href)).body.head, reply.body.head);
  // A second runtime on the data dir in the same process is refused, as a second process is.
  await assert.rejects(createRuntime({ ...quiet, component: echo, dataDir }), {
    code: 'DATA_DIR_LOCKED',
    message: /is in use by another runtime in this process .*close that runtime first/,
  });
  assert.equal((await postJson(first.url, { n: 2 })).status, 200, 'the first serves on');
  await first.close();
  assert.deepEqual(await first.stopped, { exitCode: 0 });
  await assert.rejects(fetch(first.url), 'nothing listens after close()');

  const second = await createRuntime({ ...quiet, component: echo, dataDir });
  t.after(() => second.close());
  assert.equal((await getJson(new URL('head', second.url).href)).body.length, 6, 'the chain resumes where close() left it');
  await second.close();
});

test('createRuntime takes the component as bytes, in memory or in a data dir', async (t) => {
  const bytes = new Uint8Array(readFileSync(await buildFixture('echo')));
  const runtime = await createRuntime({ ...quiet, component: bytes, inMemory: true });
  t.after(() => runtime.close());
  assert.equal((await postJson(runtime.url, { bytes: true })).status, 200);
  assert.equal((await getJson(new URL('head', runtime.url).href)).body.durable, false);
  await runtime.close();

  const dataDir = tempDir(t);
  const durable = await createRuntime({ ...quiet, component: bytes, dataDir });
  t.after(() => durable.close());
  assert.equal((await postJson(durable.url, { bytes: true })).status, 200);
  await durable.close();
  const kept = readdirSync(path.join(dataDir, 'components'));
  assert.equal(kept.length, 1, 'the component is kept in the data dir, by its hash');
  assert.deepEqual(new Uint8Array(readFileSync(path.join(dataDir, 'components', kept[0]!))), bytes);

  await assert.rejects(createRuntime({ ...quiet, component: bytes }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'INVALID_OPTION');
    assert.match(err.message, /give dataDir, or inMemory: true/);
    return true;
  });
});

test('createRuntime checks its options as run checks its flags, and refuses names it does not know', async () => {
  const echo = await buildFixture('echo');
  await assert.rejects(
    createRuntime({ ...quiet, component: echo, inMemory: true, timeout: 0, fsync: 'sometimes' as 'always', sendTimeout: -1 }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_OPTION');
      assert.match(err.message, /--timeout must be an integer from 1/);
      assert.match(err.message, /--fsync must be always or never/);
      assert.match(err.message, /--send-timeout must be an integer from 1/);
      return true;
    },
  );
  await assert.rejects(createRuntime({ ...quiet, component: echo, inMemory: true, port: 0 } as never), /createRuntime has no option "port"/);
  await assert.rejects(createRuntime({ ...quiet, component: 'nowhere.wasm', inMemory: true }), (err: Error & { code?: string }) => err.code === 'COMPONENT_NOT_FOUND');
  await assert.rejects(
    createRuntime({ ...quiet, component: echo, inMemory: true, logDestination: 'stdout' as never }),
    (err: Error & { code?: string }) => err.code === 'INVALID_OPTION' && /logDestination must have a write\(line\) method/.test(err.message),
  );
});

test("createRuntime's logDestination gets the log's JSON lines, one a write, instead of stdout", async (t) => {
  const lines: string[] = [];
  const runtime = await createRuntime({
    component: await buildFixture('echo'),
    listen: '127.0.0.1:0',
    inMemory: true,
    logDestination: { write: (line) => lines.push(line) },
  });
  t.after(() => runtime.close());
  assert.equal((await postJson(runtime.url, { logged: true })).status, 200);
  await runtime.close();
  assert.ok(lines.length > 0 && lines.every((line) => line.endsWith('\n') && line.indexOf('\n') === line.length - 1), 'whole lines');
  const logs = lines.map((line) => JSON.parse(line) as { msg: string; source?: string; level: number });
  assert.ok(
    logs.some((log) => log.msg.startsWith('actorchain listening on http://127.0.0.1:')),
    logs.map((log) => log.msg).join('\n'),
  );
  assert.ok(
    logs.some((log) => log.source === 'component' && log.msg === 'handled'),
    "the component's own log line",
  );
});

test('createMirror follows a runtime started with createRuntime and serves the same head, its log to its logDestination', async (t) => {
  const echo = await buildFixture('echo');
  const primary = await createRuntime({ ...quiet, component: echo, inMemory: true });
  t.after(() => primary.close());
  for (let n = 0; n < 3; n++) assert.equal((await postJson(primary.url, { n })).status, 200);
  const lines: string[] = [];
  const mirror = await createMirror({
    ...quiet,
    logLevel: 'info',
    logDestination: { write: (line) => lines.push(line) },
    component: echo,
    primary: primary.url,
    dataDir: tempDir(t),
  });
  t.after(() => mirror.close());
  assert.match(mirror.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  // The mirror serves once it holds genesis and init; it then catches up with the primary's head.
  const deadline = Date.now() + 30_000;
  while (mirror.head() !== primary.head()) {
    assert.ok(Date.now() < deadline, `the mirror did not reach ${primary.head()} (it holds ${mirror.head()})`);
    await (await fetch(new URL(`chain?after=${mirror.head()}&wait=1`, mirror.url))).arrayBuffer();
  }
  assert.equal((await getJson(new URL('head', mirror.url).href)).body.head, primary.head());
  const refused = await postJson(mirror.url, { n: 4 });
  assert.equal(refused.body.error.code, 'READ_ONLY_MIRROR');
  const logs = lines.map((line) => JSON.parse(line) as { msg: string });
  assert.ok(
    logs.some((log) => log.msg.startsWith('actorchain listening on http://127.0.0.1:')),
    `the mirror's log goes to its logDestination: ${logs.map((log) => log.msg).join(' | ')}`,
  );
  await mirror.close();
  assert.deepEqual(await mirror.stopped, { exitCode: 0 });
});

test('verifyChain checks a data dir, its chain file and a runtime as verify does, and rejects with the problem verify prints', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const runtime = await createRuntime({ ...quiet, component: echo, dataDir });
  t.after(() => runtime.close());
  for (let n = 0; n < 3; n++) assert.equal((await postJson(runtime.url, { n })).status, 200);
  const live = await verifyChain(runtime.url, { component: echo });
  assert.deepEqual({ entries: live.entries, head: live.head }, { entries: 8, head: runtime.head() });
  assert.match(live.checkpoint, /^checkpoint: \d+ entries signed by actorchain\/[0-9a-f]+\+[0-9a-f]{8}\+\S+; the root matches the replayed entries$/);
  await runtime.close();

  // No component given: the data dir keeps the one its genesis names.
  const stopped = await verifyChain(dataDir);
  assert.deepEqual(stopped, { entries: 8, head: live.head, checkpoint: stopped.checkpoint });
  const file = path.join(dataDir, 'chain.ndjson');
  assert.equal((await verifyChain(file, { component: echo, timeout: 2000, maxMemory: 64 })).entries, 8);

  // A state altered and every hash and link re-made: the replay tells.
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  writeFileSync(file, `${forgeAndRelink(lines, 5, { state: { n: 99 } }).join('\n')}\n`);
  await assert.rejects(verifyChain(file, { component: echo }), { code: 'CHAIN_DIVERGED', message: /^line 6 \(hash [0-9a-f]{64}\): the state differs from the replay/ });
  await assert.rejects(verifyChain(file, { timeout: 0, maxMemory: 0 }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'INVALID_OPTION');
    assert.match(err.message, /--max-memory must be an integer from 1/);
    assert.match(err.message, /--timeout must be an integer from 1/);
    return true;
  });
  await assert.rejects(verifyChain(file, { follow: true } as never), /verifyChain has no option "follow"/);
  await assert.rejects(verifyChain(file, { components: echo } as never), { code: 'INVALID_OPTION', message: /components must be an array of \.wasm file paths/ });
});
