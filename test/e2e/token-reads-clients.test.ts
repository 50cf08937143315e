/**
 * A runtime started with --token-reads can still be verified, inspected and mirrored by whoever
 * holds its token: verify, inspect and mirror take --token (or ACTORCHAIN_TOKEN). The runtime
 * is started in process; the commands under test run on the CLI.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, runCli, startMirror } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'reads-s3cret';

test('verify, inspect and mirror read a --token-reads runtime with its token', async (t) => {
  const echo = await buildFixture('echo');
  const runtime = await startInProcess(t, echo, { token: SECRET, tokenReads: true });
  const posted = await postJson(runtime.url, { a: 1 }, { authorization: `Bearer ${SECRET}` });
  assert.equal(posted.status, 200);

  const refused = await runCli(['verify', echo, runtime.url]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /CHAIN_SOURCE_UNREADABLE: GET \/head answered 401: .*ACTORCHAIN_TOKEN=<token> \(or --token <token>/);

  const verified = await runCli(['verify', echo, runtime.url, '--token', SECRET]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`verified 4 entries, head ${posted.body.head}`));

  const inspected = await runCli(['inspect', runtime.url], { env: { ACTORCHAIN_TOKEN: SECRET } });
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.equal(JSON.parse(inspected.stdout).head, posted.body.head);

  // The mirror follows through the long poll, in its worker thread: the token goes there too.
  const mirror = await startMirror(t, echo, runtime.url, path.join(tempDir(t), 'mirror'), ['--token', SECRET]);
  const next = await postJson(runtime.url, { a: 2 }, { authorization: `Bearer ${SECRET}` });
  await waitFor('the mirror to reach the new HEAD', async () => (await getJson(`${mirror.url}/head`)).body.head === next.body.head);
  assert.equal((await getJson(`${mirror.url}/head`)).body.head, next.body.head, 'the mirror caught up');
});
