/**
 * Components actorchain cannot run are refused at start-up, each problem named once, in one
 * line, by its code. Refused in this process through createRuntime (its ActorchainError and
 * the problems it carries, which `actorchain run` prints one per line as
 * `actorchain: CODE: message`); one refusal also through the CLI, for the lines it prints.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture, type FixtureName } from '../../fixtures/build.js';
import { fileTempDir } from '../support/build.js';
import { refusedStart } from '../support/in-process.js';
import { runCli } from '../support/runtime.js';

const scratch = fileTempDir('actorchain-foreign-');

/** Checked for every refusal: no stack trace, no cause chain, no panic. */
const NOISE = /Caused by|\n\s+at |panicked/;

/**
 * A component that must be refused, in process: its problems as `actorchain run` prints them
 * (`actorchain: CODE: message`, one line each), checked to be clean lines and to come before
 * anything is logged.
 */
async function refusal(file: string): Promise<string[]> {
  const { lines, logs } = await refusedStart(file);
  assert.deepEqual(logs, [], 'nothing logged');
  assert.doesNotMatch(lines.join('\n'), NOISE, 'no stack trace or cause chain');
  for (const line of lines) assert.match(line, /^actorchain: [A-Z_]+: [^\n]*$/);
  return lines;
}

/** `actorchain run` on a component that must be refused: its stderr lines, after checking it exited 1 cleanly. */
async function cliRefusal(file: string): Promise<string[]> {
  const result = await runCli(['run', file, '--listen', '127.0.0.1:0', '--in-memory']);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  assert.doesNotMatch(result.stderr, NOISE, 'no stack trace or cause chain');
  const lines = result.stderr.trimEnd().split('\n');
  for (const line of lines) assert.match(line, /^actorchain: [A-Z_]+: /);
  return lines;
}

const fixture = (name: FixtureName) => buildFixture(name);

test('MISSING_EXPORTS names the exports by their WIT names', async () => {
  const [thing] = await refusal(await fixture('foreign-thing'));
  assert.match(thing!, /^actorchain: MISSING_EXPORTS: .*\(it exports: test-imports, my:pkg\/thing\)/);
  const [other] = await refusal(await fixture('foreign-other'));
  assert.match(other!, /^actorchain: MISSING_EXPORTS: .*\(it exports: other:test\/test\)/);
});

test('every problem is reported at once: exports, encoding and imports', async () => {
  assert.deepEqual(
    (await refusal(await fixture('foreign-thing'))).map((line) => line.split(':')[1]!.trim()),
    ['MISSING_EXPORTS', 'UNSUPPORTED_IMPORTS'],
  );
  // In process, and as the CLI prints it: one line a problem.
  for (const refused of [refusal, cliRefusal]) {
    const mixed = await refused(await fixture('foreign-mixed'));
    assert.equal(mixed.length, 3, mixed.join('\n'));
    assert.match(mixed[0]!, /^actorchain: MISSING_EXPORTS: .*lacks state-contract\b/);
    assert.match(mixed[1]!, /^actorchain: UNSUPPORTED_ENCODING: .*handle uses .* for message/);
    assert.match(mixed[2]!, /^actorchain: UNSUPPORTED_IMPORTS: .*my:pkg\/host/);
  }
});

test('a WIT package is recognised and named as such', async () => {
  const lines = await refusal(await fixture('wit-package'));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^actorchain: NOT_A_COMPONENT: wit-package-\w+\.wasm is a WIT package \(ntwk:simple-actor\), not a component/);
});

test("an unreadable component is one line, without the decoder's cause chain", async () => {
  const echo = readFileSync(await fixture('echo'));
  const truncated = path.join(scratch, 'truncated.wasm');
  writeFileSync(truncated, echo.subarray(0, echo.length >> 1));
  const flipped = path.join(scratch, 'flipped.wasm');
  const bytes = Buffer.from(echo);
  bytes[100] = 0xff;
  writeFileSync(flipped, bytes);
  for (const file of [truncated, flipped]) {
    const lines = await refusal(file);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`^actorchain: NOT_A_COMPONENT: ${path.basename(file)} could not be read as a component: .+ \\(at offset 0x[0-9a-f]+\\)$`));
  }
});

test('a malformed core module is called malformed, not told to embed the WIT', async () => {
  const malformed = path.join(scratch, 'malformed-core.wasm');
  writeFileSync(malformed, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x67, 0x61, 0x72]));
  const [line] = await refusal(malformed);
  assert.match(line!, /^actorchain: NOT_A_COMPONENT: malformed-core\.wasm is a malformed core WebAssembly module \(.+\); rebuild it$/);
  assert.doesNotMatch(line!, /embed the WIT/);
});
