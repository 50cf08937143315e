import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { chainFile, makeChain, readLines, tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, runCli, sha256 } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

/** What a crash can leave after the last whole pair, as bytes appended to a sound chain. */
const TAILS: Array<[string, (lines: string[]) => string]> = [
  ['a line cut short (no newline)', () => '{"data":{"message":{"n":3'],
  ['a last line that is not JSON', () => '{"data":{"mess\n'],
  ['a message with no state after it', (lines) => `${messageAfter(lines.at(-1)!)}\n`],
  ['a message, then its state cut short', (lines) => `${messageAfter(lines.at(-1)!)}\n{"data":{"sta`],
  // Whole lines, but the last is not JSON: a stray quote in its parent (a bare state's form otherwise).
  ['a message, then a state line that is not JSON', (lines) => `${messageAfter(lines.at(-1)!)}\n${stateWithStrayQuote(messageAfter(lines.at(-1)!))}\n`],
];

/** A state entry after `line` with one byte of its parent's hex made a quote: not JSON. */
function stateWithStrayQuote(line: string): string {
  return `{"data":{"state":{"n":99}},"parent":""${sha256(line).slice(1)}"}`;
}

/** A well-formed message entry following `line`. */
function messageAfter(line: string): string {
  return `{"data":{"message":{"n":99}},"parent":"${sha256(line)}"}`;
}

for (const [name, tail] of TAILS) {
  test(`a torn tail (${name}) is cut back to the last whole pair with a warning, and the runtime resumes`, async (t) => {
    const component = await buildFixture('echo');
    const dataDir = tempDir(t);
    await makeChain(t, component, dataDir, [{ n: 1 }, { n: 2 }]);
    const sound = readFileSync(chainFile(dataDir));
    appendFileSync(chainFile(dataDir), tail(readLines(dataDir)));

    const runtime = await startInProcess(t, component, { dataDir });
    const warning = runtime.logs.find((l) => l.level === 40 && String(l.msg).startsWith('cutting'));
    assert.ok(warning, 'a warning says what was cut');
    assert.match(String(warning.msg), /from line 7 of .*chain\.ndjson back to the last whole message\/state pair/);
    assert.deepEqual(readFileSync(chainFile(dataDir)), sound, 'the file is back to the sound chain, byte for byte');

    assert.deepEqual((await getJson(`${runtime.url}/state`)).body.state, { n: 2 }, 'resumed from the last state, init not called');
    assert.equal((await getJson(`${runtime.url}/head`)).body.length, 6);
    assert.equal((await postJson(runtime.url, { n: 3 })).status, 200);
    await runtime.close();

    const summary = await verifies(dataDir, { component });
    assert.equal(summary.entries, 8);
    assert.equal(summary.tail, undefined, 'nothing left out');
  });
}

test('verify reports a torn tail as not part of the chain and verifies the rest', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }]);
  appendFileSync(chainFile(dataDir), '{"data":{"mess');
  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^verified 4 entries/);
  assert.match(verified.stderr, /warning: not part of the chain, not verified: 14 bytes from line 5: line 5 has no newline/);
});

test('verify takes a last line that is not JSON for a torn tail, even one shaped like a bare state', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }]);
  const message = messageAfter(readLines(dataDir).at(-1)!);
  appendFileSync(chainFile(dataDir), `${message}\n${stateWithStrayQuote(message)}\n`);
  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^verified 4 entries/);
  assert.match(verified.stderr, /warning: not part of the chain, not verified: .* from line 5: line 5 is a message entry with no state after it; line 6 is not JSON/);
});
