import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planImports } from '../../src/component/imports.js';
import { ActorchainError } from '../../src/errors.js';

test('imports nothing can serve are refused, each named', () => {
  assert.throws(
    () => planImports(['ntwk:simple-actor/runtime', 'wasi:cli/stdout@0.2.3', 'acme:gadget/gizmo@1.0.0', 'wasi:nn/inference'], ['log', 'frob']),
    (err: unknown) =>
      err instanceof ActorchainError &&
      err.code === 'UNSUPPORTED_IMPORTS' &&
      err.message.includes('acme:gadget/gizmo@1.0.0') &&
      err.message.includes('wasi:nn/inference') &&
      err.message.includes('ntwk:simple-actor/runtime#frob') &&
      !err.message.includes('wasi:cli/stdout'),
  );
});

test('WASI is served at any 0.2 version', () => {
  const plan = planImports(
    ['ntwk:simple-actor/runtime', 'ntwk:simple-actor/types', 'wasi:cli/stdout@0.2.3', 'wasi:clocks/wall-clock@0.2.12', 'wasi:random/random'],
    ['log', 'send'],
  );
  assert.deepEqual(plan.wasi, ['wasi:cli/stdout@0.2.3', 'wasi:clocks/wall-clock@0.2.12', 'wasi:random/random']);
});
