import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { postJson, runCli, startRuntime } from '../support/runtime.js';

test('run takes its options from ACTORCHAIN_* variables', async (t) => {
  const dataDir = path.join(tempDir(t), 'from-env');
  const env = { ACTORCHAIN_DATA_DIR: dataDir, ACTORCHAIN_MAX_BODY: '100', ACTORCHAIN_FSYNC: 'never' };
  const runtime = await startRuntime(t, await buildFixture('echo'), [], { env });
  assert.equal((await postJson(runtime.url, { pad: 'x'.repeat(200) })).body.error.code, 'BODY_TOO_LARGE');
  assert.equal((await postJson(runtime.url, { a: 1 })).status, 200);
  assert.ok(existsSync(path.join(dataDir, 'chain.ndjson')), 'the chain is in ACTORCHAIN_DATA_DIR');
  assert.ok(runtime.logs.some((l) => l.dataDir === dataDir && l.fsync === 'never'));
});

test('a flag wins over its environment variable', async (t) => {
  const env = { ACTORCHAIN_MAX_BODY: '100', ACTORCHAIN_DATA_DIR: path.join(tempDir(t), 'unused') };
  const runtime = await startRuntime(t, await buildFixture('echo'), ['--max-body', '1000', '--in-memory'], { env });
  assert.equal((await postJson(runtime.url, { pad: 'x'.repeat(200) })).status, 200);
  assert.ok(
    runtime.logs.some((l) => l.store === 'memory'),
    '--in-memory wins over ACTORCHAIN_DATA_DIR',
  );
  assert.ok(!existsSync(env.ACTORCHAIN_DATA_DIR));
});

test('a bad value from the environment is named by its variable, with the others', async () => {
  const env = { ACTORCHAIN_MAX_QUEUE: 'lots', ACTORCHAIN_LOG_FORMAT: 'xml', ACTORCHAIN_ALLOW_SEND: 'http://ok:1,ftp://nope', ACTORCHAIN_SEND_TIMEOUT: '0' };
  const result = await runCli(['run', await buildFixture('echo'), '--in-memory', '--timeout', '0'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^actorchain: INVALID_OPTION: /);
  assert.match(result.stderr, /ACTORCHAIN_MAX_QUEUE \(--max-queue\) must be an integer/);
  assert.match(result.stderr, /--log-format must be one of json, pretty/);
  assert.match(result.stderr, /--allow-send takes an origin.*"ftp:\/\/nope"/);
  assert.match(result.stderr, /--timeout must be an integer/);
  assert.match(result.stderr, /ACTORCHAIN_SEND_TIMEOUT \(--send-timeout\) must be an integer from 1/);
});

test('run without arguments says what is missing in one line, with a short usage line', async () => {
  const result = await runCli(['run']);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "actorchain: INVALID_OPTION: missing required argument 'component'\n" +
      'usage: actorchain run <component.wasm> [HOST:PORT] [options] (actorchain run --help lists every option)\n',
  );
  const unknown = await runCli(['run', 'x.wasm', '--no-such-flag']);
  assert.match(unknown.stderr, /^actorchain: INVALID_OPTION: unknown option '--no-such-flag'\nusage: actorchain run /);
  assert.equal(unknown.stderr.split('\n').length, 3);
});

test('a switch variable is read by its value: ACTORCHAIN_IN_MEMORY=false keeps the chain on disk', async (t) => {
  const dataDir = path.join(tempDir(t), 'kept');
  const env = { ACTORCHAIN_IN_MEMORY: 'false', ACTORCHAIN_DATA_DIR: dataDir };
  const runtime = await startRuntime(t, await buildFixture('echo'), [], { env });
  assert.equal((await postJson(runtime.url, { a: 1 })).status, 200);
  assert.ok(existsSync(path.join(dataDir, 'chain.ndjson')), 'ACTORCHAIN_IN_MEMORY=false is off');
  const wrong = await runCli(['run', await buildFixture('echo'), '--token', 't'], { env: { ACTORCHAIN_IN_MEMORY: 'maybe', ACTORCHAIN_TOKEN_READS: 'nope' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /ACTORCHAIN_IN_MEMORY must be 1, true, yes or on .*\(got "maybe"\)/);
  assert.match(wrong.stderr, /ACTORCHAIN_TOKEN_READS must be 1, true, yes or on .*\(got "nope"\)/);
});
