/**
 * Issue 22, 4: a checkpoint whose header is impossible (negative or too few bytes for its
 * lines) is set aside like any other unusable checkpoint: every line is checked, no crash.
 * The runtime is started in process (createRuntime, as `actorchain run` starts one).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { writeEchoChain } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';

const PAIRS = 6000;
const ENTRIES = 2 + 2 * PAIRS;

for (const bytes of [-5, 0, ENTRIES - 1]) {
  test(`a checkpoint header with "bytes": ${bytes} falls back to checking every line`, async (t) => {
    const { component, dataDir } = await writeEchoChain(t, PAIRS);
    const file = path.join(dataDir, 'checkpoint');
    const [header, ...rest] = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [JSON.stringify({ ...JSON.parse(header!), bytes }), ...rest].join('\n'));

    const runtime = await startInProcess(t, component, { dataDir });
    assert.equal(runtime.logs.find((l) => String(l.msg).startsWith('chain resumed'))!.linesChecked, ENTRIES);
    assert.ok(runtime.logs.some((l) => l.level === 40 && /not using .*checkpoint: its header is malformed/.test(String(l.msg))));
    await runtime.close();
  });
}
