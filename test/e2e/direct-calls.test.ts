/**
 * Components without WASI imports are called past jco's bindings (src/component/direct-abi.ts).
 * The two paths must be indistinguishable: the same chain, byte for byte, from the same
 * messages, and each path's chain verifies with the other. ACTORCHAIN_BINDINGS=jco forces the
 * bindings: the direct path runs in this process (createRuntime), the bindings in a CLI
 * process given that variable (this process's environment is left as it is).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture, type FixtureName } from '../../fixtures/build.js';
import { analyzeBindings } from '../../src/component/bindings-analysis.js';
import { loadComponent } from '../../src/component/load.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { postJson, runCli, startRuntime } from '../support/runtime.js';

const BINDINGS = { ACTORCHAIN_BINDINGS: 'jco' };
const JCO_VERSION = (JSON.parse(readFileSync(new URL('../../../node_modules/@bytecodealliance/jco/package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

test('components without WASI imports are called directly; componentize-js components keep the bindings', async () => {
  // package.json pins jco exactly: direct-abi.ts reads the code it generates.
  const pinned = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }).dependencies[
    '@bytecodealliance/jco'
  ];
  assert.equal(pinned, JCO_VERSION, 'package.json pins jco to the exact version installed');
  for (const fixture of ['echo', 'echo-bytes', 'echo-versioned', 'relay', 'relay-bytes', 'faults'] as const) {
    const component = await loadComponent(await buildFixture(fixture), { maxMemoryMiB: 64 });
    assert.ok(
      component.direct,
      `${fixture} is not called directly: the bindings of jco ${JCO_VERSION} no longer have the shape src/component/direct-abi.ts reads ` +
        '(a jco upgrade changed its generated code); pin jco back or teach direct-abi.ts the new shape',
    );
  }
  for (const fixture of ['counter', 'clock-random'] as const) {
    const component = await loadComponent(await buildFixture(fixture), { maxMemoryMiB: 64 });
    assert.equal(component.direct, undefined, `${fixture} imports WASI, so it keeps the bindings`);
  }
});

for (const fixture of ['relay', 'relay-bytes'] as const satisfies readonly FixtureName[]) {
  test(`${fixture}: direct calls and jco's bindings write the same chain, and each verifies with the other`, async (t) => {
    const component = await buildFixture(fixture);
    const messages = [{ a: 1 }, { text: 'naïve ✓ 𝄞', quote: '"\\' }, {}, { nested: { list: [true, null, 1.5, 1e21] } }];
    const chains: string[] = [];
    const dirs: string[] = [];
    // One identity for both: a genesis records the runtime's key.
    const keyFile = path.join(tempDir(t), 'identity.key');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
    for (const env of [{}, BINDINGS]) {
      const dir = tempDir(t);
      const runtime =
        env === BINDINGS
          ? await startRuntime(t, component, ['--data-dir', dir, '--fsync', 'always', '--allow-send', 'http://127.0.0.1:9', '--key-file', keyFile], { env: BINDINGS })
          : await startInProcess(t, component, { dataDir: dir, fsync: 'always', allowSend: ['http://127.0.0.1:9'], keyFile });
      for (const message of messages) {
        const reply = await postJson(runtime.url, message);
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.deepEqual(reply.body.state, message);
      }
      await ('stop' in runtime ? runtime.stop() : runtime.close());
      assert.ok(
        runtime.logs.some((l) => l.source === 'component' && l.msg === 'relaying'),
        'log reaches the runtime',
      );
      chains.push(readFileSync(path.join(dir, 'chain.ndjson'), 'utf8'));
      dirs.push(dir);
    }
    assert.equal(chains[0], chains[1], 'the same chain, byte for byte');
    const lines = chains[0]!
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(lines[3].data.sends, [{ to: 'http://127.0.0.1:9/inbox', message: messages[0] }]);
    assert.deepEqual(lines[5].data.sends, [{ to: 'http://127.0.0.1:9/inbox', message: messages[1] }]);
    for (const [dir, env] of [
      [dirs[0]!, BINDINGS],
      [dirs[1]!, {}],
    ] as const) {
      const verified = await runCli(['verify', component, dir], { env });
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, /verified 10 entries/);
    }
  });
}

/** The lines of jco's generated code that analyzeBindings reads, as jco 1.35 writes them for echo.wat. */
const GENERATED = `
    memory0 = exports1.memory;
    realloc0 = exports1.cabi_realloc;
    postReturn0 = exports1['cabi_post_ntwk:simple-actor/actor#handle'];
    actorStateContract = exports1['ntwk:simple-actor/actor#state-contract'];
    actorMessageContract = exports1['ntwk:simple-actor/actor#message-contract'];
    actorHandle = exports1['ntwk:simple-actor/actor#handle'];
    actorInit = exports1['ntwk:simple-actor/actor#init'];
      stringEncoding: 'utf8',
            var encodeRes = _utf8AllocateAndEncode(arg0, realloc0, memory0);
            var result2 = TEXT_DECODER_UTF8.decode(new Uint8Array(memory0.buffer, ptr2, len2));
`;
const RUNTIME = ['ntwk:simple-actor/runtime'];

test('the direct path is taken only for the shape the generated code shows, anything else keeps the bindings', () => {
  const abi = analyzeBindings(GENERATED, RUNTIME);
  assert.deepEqual(abi, {
    functions: {
      init: { core: 'ntwk:simple-actor/actor#init', postReturn: undefined },
      handle: { core: 'ntwk:simple-actor/actor#handle', postReturn: 'cabi_post_ntwk:simple-actor/actor#handle' },
      'state-contract': { core: 'ntwk:simple-actor/actor#state-contract', postReturn: undefined },
      'message-contract': { core: 'ntwk:simple-actor/actor#message-contract', postReturn: undefined },
    },
    memory: 'memory',
    realloc: 'cabi_realloc',
  });
  const refused = {
    'a WASI import': [GENERATED, [...RUNTIME, 'wasi:clocks/wall-clock@0.2.3']],
    'a second memory': [`${GENERATED}    memory1 = exports2.memory;\n`, RUNTIME],
    'a second realloc': [`${GENERATED}    realloc1 = exports2.cabi_import_realloc;\n`, RUNTIME],
    'UTF-16 strings to an import': [GENERATED.replace("'utf8'", "'utf16'"), RUNTIME],
    'UTF-16 arguments': [GENERATED.replace('_utf8AllocateAndEncode(arg0', '_utf16AllocateAndEncode(arg0'), RUNTIME],
    'UTF-16 results': [GENERATED.replace('TEXT_DECODER_UTF8.decode(new Uint8Array(memory0', 'utf16Decoder.decode(new Uint16Array(memory0'), RUNTIME],
    'a memory from another core instance': [GENERATED.replace('memory0 = exports1.memory', 'memory0 = exports0.memory'), RUNTIME],
    'a post-return not named after its function': [GENERATED.replace("'cabi_post_ntwk:simple-actor/actor#handle'", "'free_result'"), RUNTIME],
    'a function missing': [GENERATED.replace(/^.*actorInit = .*$/m, ''), RUNTIME],
    'a function from another interface': [GENERATED.replace("'ntwk:simple-actor/actor#init'", "'other:pkg/actor#init'"), RUNTIME],
  } as const;
  for (const [what, [source, imports]] of Object.entries(refused)) {
    assert.equal(analyzeBindings(source, imports), undefined, what);
  }
});
