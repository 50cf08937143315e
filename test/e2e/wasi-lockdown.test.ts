/**
 * The WASI a component gets: nothing of the host but clocks, random and its own output. The
 * lockdown is tried on the CLI, whose stdin carries a secret (only a process has one to give);
 * the rest on runtimes in this process (createRuntime).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { hasStopped, startInProcess } from '../support/in-process.js';
import { fetchChain, postJson, startRuntime } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

test('a component that tries to reach the host gets nothing: no preopens, no environment, no stdin, no sockets, no HTTP', async (t) => {
  // A local server the component tries to reach; it must see nothing at all.
  let connections = 0;
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    res.end('reached');
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  const runtime = await startRuntime(t, await buildFixture('wasi-probe'), [], { stdin: 'a secret on the host stdin\n' });

  const preopens = await postJson(runtime.url, { probe: 'preopens' });
  assert.equal(preopens.status, 200);
  assert.deepEqual(preopens.body.state.result, [], 'no preopened directories');

  const env = await postJson(runtime.url, { probe: 'env' });
  assert.deepEqual(env.body.state.result, [], 'an empty environment');

  const stdin = await postJson(runtime.url, { probe: 'stdin' });
  assert.equal(stdin.body.state.result, undefined, "the host's stdin is not readable");
  assert.match(stdin.body.state.error, /closed/);

  const socket = await postJson(runtime.url, { probe: 'socket', port });
  assert.equal(socket.status, 200);
  assert.equal(socket.body.state.result, undefined, 'the connection was not made');
  assert.match(socket.body.state.error, /access-denied/, 'refused when the socket is created');

  const http = await postJson(runtime.url, { probe: 'http', url: `http://127.0.0.1:${port}/steal` });
  assert.equal(http.status, 200);
  assert.match(http.body.state.error, /HTTP-request-denied/);

  assert.equal(connections, 0, 'the local server saw no connection');
  assert.equal(requests, 0, 'the local server saw no request');
});

test('clocks and random are served from the host and journaled, with no start-up warning about replay', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('wasi-probe'));
  assert.equal(
    runtime.logs.find((l) => l.level === 40 && String(l.msg).includes('replay')),
    undefined,
  );

  const clock = await postJson(runtime.url, { probe: 'clock' });
  const { seconds } = clock.body.state.result;
  assert.ok(Math.abs(seconds - Date.now() / 1000) < 60, 'the host clock');
  const random = await postJson(runtime.url, { probe: 'random' });
  assert.match(random.body.state.result, /^[0-9a-f]{32}$/);
  // A pollable is served by preview2-shim's own I/O thread, which the sandbox starts only at
  // the first call that needs it (component/shim-import.ts): it must then start and answer.
  const wait = await postJson(runtime.url, { probe: 'wait' });
  assert.equal(wait.status, 200);
  assert.equal(wait.body.state.result, 'waited');

  const { entries } = await fetchChain(runtime.url);
  const journals = entries.slice(-5, -2).map((e) => JSON.stringify(e.data.journal ?? []));
  assert.match(journals[0]!, new RegExp(`\\["wn","${seconds}",\\d+\\]`), 'the wall clock read is in the journal');
  const hex = random.body.state.result as string;
  assert.ok(journals[2]!.includes(JSON.stringify(Buffer.from(hex, 'hex').toString('base64'))), 'the random bytes are in the journal');
});

test('a component that calls wasi:cli/exit ends only its worker: WORKER_CRASHED, re-spawned, chain untouched', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('wasi-probe'));
  const before = await postJson(runtime.url, { probe: 'random' });
  const exit = await postJson(runtime.url, { probe: 'exit' });
  assert.equal(exit.status, 500);
  assert.equal(exit.body.error.code, 'WORKER_CRASHED');
  const after = await postJson(runtime.url, { probe: 'clock' });
  assert.equal(after.status, 200, 'the runtime lives on with a fresh worker');
  assert.equal(after.body.state.probes, before.body.state.probes + 1, 'the exit committed nothing');
  // Neither the runtime nor this process (the one that embeds it) ended.
  assert.equal(await hasStopped(runtime), false);
});

test("the component's stdout and stderr go to the log, tagged with their stream", async (t) => {
  const runtime = await startInProcess(t, await buildFixture('wasi-probe'));
  assert.equal((await postJson(runtime.url, { probe: 'print' })).body.state.result, 'printed');
  const printed = () => runtime.logs.filter((l) => l.source === 'component' && typeof l.stream === 'string');
  await waitFor('two printed lines', () => printed().length >= 2);
  assert.deepEqual(
    printed()
      .map((l) => [l.stream, l.msg])
      .sort(),
    [
      ['stderr', 'wasi-probe on stderr'],
      ['stdout', 'wasi-probe on stdout'],
    ],
  );
});
