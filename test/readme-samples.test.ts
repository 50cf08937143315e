/**
 * Every sample in the README must run as written: the actor samples (```ts blocks that
 * export `actor`) are extracted and built with `actorchain build` (type-checked, loaded in
 * Node, componentized), and the one in "Writing actors" is run and sent a message.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BUILD_TIMEOUT_MS, builtActor, fileTempDir, REPO } from './support/build.js';
import { postJson, sha256, startRuntime } from './support/runtime.js';

const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const samples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((code) => /export const actor\b/.test(code));

test('the README has actor samples', () => {
  assert.ok(samples.length >= 1);
});

test("the README's actor samples build as written, and the first runs", { timeout: BUILD_TIMEOUT_MS }, async (t) => {
  // An actor file outside any project imports 'actorchain' from the installation that builds it.
  const dir = fileTempDir();
  const wasms: string[] = [];
  for (const [i, code] of samples.entries()) {
    const source = path.join(dir, `sample-${i}.ts`);
    writeFileSync(source, code);
    wasms.push(await builtActor(source, `readme-sample-${sha256(code).slice(0, 16)}`));
  }
  const runtime = await startRuntime(t, wasms[0]!);
  const added = await postJson(runtime.url, { add: 2 });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.deepEqual(added.body.state, { count: 2 });
  const refused = await postJson(runtime.url, { add: -5 });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.reason, 'the count cannot go below 0 (it is 2)');
});
