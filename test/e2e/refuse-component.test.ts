/**
 * What cannot be run is refused at start-up with its code and a clear message, not a stack
 * trace: components refused in this process through createRuntime (the ActorchainError the
 * CLI prints as `actorchain: CODE: message`); malformed flags through the CLI, which parses them.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { buildFixture } from '../../fixtures/build.js';
import { fileTempDir } from '../support/build.js';
import { refusedStart } from '../support/in-process.js';
import { runCli } from '../support/runtime.js';

const scratch = fileTempDir('actorchain-refuse-');

/** A component that must be refused, in process: what `actorchain run` prints on stderr for it. */
async function refusal(file: string): Promise<string> {
  return (await refusedStart(file)).lines.map((line) => `${line}\n`).join('');
}

test('a component that lacks a contract is refused, naming what is missing', async () => {
  const stderr = await refusal(await buildFixture('missing-contract'));
  assert.match(stderr, /MISSING_EXPORTS/);
  assert.match(stderr, /lacks state-contract\b/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});

test('a file that is not a component gets a clear error, not a stack trace', async () => {
  const garbage = path.join(scratch, 'garbage.wasm');
  writeFileSync(garbage, 'this is not wasm');
  const core = path.join(scratch, 'core.wasm');
  writeFileSync(core, await parse('(module)'));
  const source = path.join(scratch, 'counter.js');
  writeFileSync(source, 'export const actor = {};\n');
  const cases: Array<[string, RegExp]> = [
    [garbage, /NOT_A_COMPONENT: garbage.wasm is not WebAssembly/],
    [
      source,
      new RegExp(
        `NOT_A_COMPONENT: ${source} is the actor's source, not a component: build it first \\(actorchain build ${source} -o ${source.replace(/js$/, 'wasm')}\\)`,
      ),
    ],
    [core, /NOT_A_COMPONENT: core.wasm is a core WebAssembly module, not a component/],
    [path.join(scratch, 'missing.wasm'), /COMPONENT_NOT_FOUND: cannot read the component/],
  ];
  for (const [file, expected] of cases) {
    const stderr = await refusal(file);
    assert.match(stderr, expected, file);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  }
});

test('malformed options are all reported together', async () => {
  const result = await runCli(['run', await buildFixture('echo'), '--listen', 'nope', '--timeout', '-5', '--max-queue', 'x', '--in-memory']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /INVALID_OPTION/);
  for (const flag of ['listen address', '--timeout', '--max-queue']) assert.ok(result.stderr.includes(flag), flag);
});

test('a data dir that cannot be made is refused with its reason, at once (under /proc too, where mkdir -p spins)', async () => {
  const echo = await buildFixture('echo');
  const file = path.join(scratch, 'a-file');
  writeFileSync(file, '');
  const throughFile = await refusedStart(echo, { dataDir: path.join(file, 'data') });
  assert.equal(throughFile.error.code, 'CHAIN_SOURCE_UNREADABLE');
  assert.match(throughFile.error.message, /^cannot create \S+a-file\/data: ENOTDIR/);
  if (existsSync('/proc/self')) {
    const underProc = await refusedStart(echo, { dataDir: '/proc/actorchain-no-such/data' });
    assert.equal(underProc.error.code, 'CHAIN_SOURCE_UNREADABLE');
    assert.match(underProc.error.message, /ENOENT/);
  }
});
