/**
 * Every sample in the documentation must run as written: the actor samples (```ts blocks that
 * export `actor`, in README.md and docs/*.md) are extracted and built with `actorchain build`
 * (type-checked, loaded in Node, componentized), and the first, in docs/actors.md's "Writing
 * actors", is run and sent a message.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BUILD_TIMEOUT_MS, builtActor, fileTempDir, REPO } from '../support/build.js';
import { postJson, sha256 } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

/** The documentation's pages, the README first and then docs/ in name order. */
const PAGES = [
  'README.md',
  ...readdirSync(path.join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const samples = PAGES.flatMap((page) =>
  [...readFileSync(path.join(REPO, page), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
    .map((m) => ({ page, code: m[1]! }))
    .filter(({ code }) => /export const actor\b/.test(code)),
);

test('the documentation has actor samples, the first in docs/actors.md', () => {
  assert.ok(samples.length >= 1);
  assert.equal(samples[0]!.page, 'docs/actors.md');
});

test("the documentation's actor samples build as written, and the first runs", { timeout: BUILD_TIMEOUT_MS }, async (t) => {
  // An actor file outside any project imports 'actorchain' from the installation that builds it.
  const dir = fileTempDir();
  const wasms: string[] = [];
  for (const [i, { code }] of samples.entries()) {
    const source = path.join(dir, `sample-${i}.ts`);
    writeFileSync(source, code);
    wasms.push(await builtActor(source, `readme-sample-${sha256(code).slice(0, 16)}`));
  }
  const runtime = await startInProcess(t, wasms[0]!);
  const added = await postJson(runtime.url, { add: 2 });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.deepEqual(added.body.state, { count: 2 });
  const refused = await postJson(runtime.url, { add: -5 });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.reason, 'the count cannot go below 0 (it is 2)');
});
