import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { buildFixture } from '../../fixtures/build.js';
import { runCli } from '../support/runtime.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-refuse-'));

test('a component that lacks a contract is refused, naming what is missing', async () => {
  const result = await runCli(['run', await buildFixture('missing-contract'), '--listen', '127.0.0.1:0', '--in-memory']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /MISSING_EXPORTS/);
  assert.match(result.stderr, /lacks state-contract\b/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
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
    const result = await runCli(['run', file, '--listen', '127.0.0.1:0', '--in-memory']);
    assert.equal(result.code, 1, file);
    assert.match(result.stderr, expected);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('malformed options are all reported together', async () => {
  const result = await runCli(['run', await buildFixture('echo'), '--listen', 'nope', '--timeout', '-5', '--max-queue', 'x', '--in-memory']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /INVALID_OPTION/);
  for (const flag of ['listen address', '--timeout', '--max-queue']) assert.ok(result.stderr.includes(flag), flag);
});
