/**
 * The host side's queue of messages posted to one worker (src/supervisor/pipeline.ts), driven
 * through a real MessagePort and call clock with no worker behind them: after a fault, the
 * message that caused it is told first, and the ones it kept from applying after it, in their
 * order. The supervisor replaces the worker when the culprit is told, so the others all reach
 * the next worker, in order (e2e/pipelining.test.ts drives that through a runtime).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { callClockViews } from '../../src/protocol.js';
import { CallClock } from '../../src/supervisor/call-clock.js';
import { Pipeline } from '../../src/supervisor/pipeline.js';
import { NotAppliedError, WorkerFaultError } from '../../src/supervisor/worker-fault.js';

/** Apply each message; resolves with what each was told, in the order they were told. */
function applyAll(pipeline: Pipeline, names: string[], timeoutMs: number): Promise<string[]> {
  const told: string[] = [];
  const outcome = (err: unknown) => (err instanceof WorkerFaultError ? err.code : err instanceof NotAppliedError ? 'not applied' : String(err));
  return Promise.all(
    names.map((name) =>
      pipeline
        .apply(JSON.stringify({ name }), () => Promise.resolve('{}'), timeoutMs)
        .then(
          () => told.push(`${name}: answered`),
          (err: unknown) => told.push(`${name}: ${outcome(err)}`),
        ),
    ),
  ).then(() => told);
}

test('a timeout blames the message the worker is running and tells it first, then the others in their order', async (t) => {
  const { port1, port2 } = new MessageChannel();
  t.after(() => {
    port1.close();
    port2.close();
  });
  const posted: Array<{ id: number }> = [];
  port2.on('message', (batch: Array<{ id: number }>) => posted.push(...batch));
  const clock = new CallClock();
  const pipeline = new Pipeline(port1, clock, { current: 0 });
  const told = applyAll(pipeline, ['a', 'b', 'c'], 100);
  // The worker answered a (its answer waits in its batch) and has been running b since now.
  const views = callClockViews(clock.buffer);
  Atomics.store(views.request, 0, 2);
  Atomics.store(views.startedAtMs, 0, BigInt(Date.now()));
  assert.deepEqual(await told, ['b: COMPONENT_TIMEOUT', 'a: not applied', 'c: not applied']);
  assert.deepEqual(
    posted.map((r) => r.id),
    [1, 2, 3],
    'the three were posted, in order',
  );
  assert.equal(pipeline.pendingCount, 0);
  await assert.rejects(
    pipeline.apply('{}', () => Promise.resolve('{}'), 100),
    NotAppliedError,
    'a faulted worker takes no more',
  );
});

test('a trap verdict fails its message first and those queued behind it after', async (t) => {
  const { port1, port2 } = new MessageChannel();
  t.after(() => {
    port1.close();
    port2.close();
  });
  const pipeline = new Pipeline(port1, new CallClock(), { current: 0 });
  port2.on('message', (batch: Array<{ id: number }>) => {
    if (batch.some((r) => r.id === 2))
      pipeline.answer([
        { id: 1, verdict: { verdict: 'committable', content: { state: '{}', sends: [], journal: undefined } } },
        { id: 2, verdict: { verdict: 'fault', fault: 'trap', fn: 'handle', message: 'unreachable' } },
      ] as Parameters<Pipeline['answer']>[0]);
  });
  assert.deepEqual(await applyAll(pipeline, ['a', 'b', 'c'], 5_000), ['a: answered', 'b: COMPONENT_TRAP', 'c: not applied']);
});
