/**
 * Issue 22, 4: slow clients are dropped (--headers-timeout) and connections are capped
 * (--max-connections), so a client that trickles headers cannot hold the runtime's sockets.
 * The headers timeout is tried on a runtime in this process (createRuntime); the connection cap
 * on the CLI, set by its environment variable, and the flags' checks on the CLI too.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, runCli, startRuntime } from '../support/runtime.js';

/** A client that sends a request line and then a header line every `everyMs`, never finishing. */
function trickle(t: TestContext, url: string, everyMs: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d));
  socket.on('error', () => {});
  socket.write('GET /head HTTP/1.1\r\nHost: x\r\n');
  const timer = setInterval(() => socket.write(`X-Slow: ${Date.now()}\r\n`), everyMs);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  void closed.then(() => clearInterval(timer));
  t.after(() => {
    clearInterval(timer);
    socket.destroy();
  });
  return { socket, received: () => received, closed };
}

test('a client that never finishes its headers is answered 408 and dropped after --headers-timeout', { timeout: 30_000 }, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'), { headersTimeout: 1500 });
  const slow = trickle(t, runtime.url, 200);
  await slow.closed;
  assert.match(slow.received(), /^HTTP\/1\.1 408 /);
  assert.equal((await getJson(`${runtime.url}/head`)).status, 200);
});

test('beyond --max-connections a new connection is closed at once; the runtime answers again once one ends', async (t) => {
  const runtime = await startRuntime(t, await buildFixture('echo'), [], { env: { ACTORCHAIN_MAX_CONNECTIONS: '3' } });
  const slow = [0, 1, 2].map(() => trickle(t, runtime.url, 1000));
  await Promise.all(slow.map(({ socket }) => new Promise((resolve) => (socket.readyState === 'open' ? resolve(undefined) : socket.once('connect', resolve)))));
  // The server counts a connection once it has accepted it: the fourth is refused when the three are counted.
  const refused = await waitForRefusal(runtime.url);
  assert.equal(refused, true);
  slow[0]!.socket.destroy();
  await slow[0]!.closed;
  let answered = false;
  for (let i = 0; i < 50 && !answered; i++)
    answered = await getJson(`${runtime.url}/head`).then(
      (r) => r.status === 200,
      () => false,
    );
  assert.ok(answered);
});

/** GET /head on a new connection until the server closes one without an answer. */
async function waitForRefusal(url: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const outcome = await fetch(`${url}/head`).then(
      () => 'answered',
      () => 'closed',
    );
    if (outcome === 'closed') return true;
  }
  return false;
}

test('--max-connections, --headers-timeout and --request-timeout are checked', async () => {
  const echo = await buildFixture('echo');
  const run = await runCli(['run', echo, '--in-memory', '--max-connections', '0', '--headers-timeout', '5000', '--request-timeout', '1000']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /--max-connections must be an integer from 1/);
  assert.match(run.stderr, /--headers-timeout \(5000\) must not be longer than --request-timeout \(1000\)/);
});
