/**
 * verify --follow and mirror against a primary that lies: a forged pair (a state that handle
 * would not produce, every hash sound) stops both with CHAIN_DIVERGED; a rewritten past,
 * re-sealed to the head, stops both with CHAIN_FORKED naming both heads. A primary that stops
 * answering for a while is retried and followed on. The mirror keeps exactly what it verified.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import { buildFixture } from '../../fixtures/build.js';
import { chainFile, forgeAndRelink, makeChain, readLines, tempDir } from '../support/chain-file.js';
import { FakePrimary } from '../support/fake-primary.js';
import { getJson, runCli, sha256, spawnCli, startMirror } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

async function honestLines(t: import('node:test').TestContext, component: string): Promise<string[]> {
  const dir = tempDir(t);
  await makeChain(t, component, dir, [{ add: 1 }, { add: 2 }, { add: 3 }, { add: 4 }]);
  return readLines(dir);
}

const fileText = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

test('a forged pair stops verify --follow and mirror with CHAIN_DIVERGED; an outage before it is retried', async (t) => {
  const counter = await buildFixture('counter');
  const lines = await honestLines(t, counter);
  const primary = await FakePrimary.start(t, lines.slice(0, 6));
  const mirrorDir = tempDir(t);

  const follower = spawnCli(t, ['verify', counter, primary.url, '--follow']);
  const mirror = await startMirror(t, counter, primary.url, mirrorDir);
  await follower.waitForStdout(/length 6\n/);
  await waitFor('the mirror to copy 6 entries', async () => (await getJson(`${mirror.url}/head`)).body.length === 6);

  // The primary stops answering for a few requests, then commits an honest pair.
  primary.failNext = 6;
  primary.setLines(lines.slice(0, 6));
  await waitFor('the outage to be over', () => primary.failNext === 0);
  primary.setLines(lines.slice(0, 8));
  await follower.waitForStdout(/verified 2 entries, head [0-9a-f]{64}, length 8\n/);
  await waitFor('the mirror to copy 8 entries', async () => (await getJson(`${mirror.url}/head`)).body.length === 8);
  assert.match(follower.stderr(), /does not answer \(GET \/chain\?.* answered 503: .*\); retrying in \d+ ms \(attempt 1\)/);
  assert.match(follower.stderr(), /answers again after \d+ failed attempts; following on/);
  assert.ok(mirror.logs.some((l) => l.level === 40 && String(l.msg).startsWith('the primary does not answer')));
  const metrics = await (await fetch(`${mirror.url}/metrics`)).text();
  assert.match(metrics, /^actorchain_follow_reconnects_total [1-9]/m);
  assert.equal(readFileSync(chainFile(mirrorDir), 'utf8'), fileText(lines.slice(0, 8)));

  // An honest pair, then one whose hashes and links are sound but whose state handle would
  // never produce, both on the same page.
  const message = canonicalize({ data: { message: { add: 5 } }, parent: sha256(lines.at(-1)!) })!;
  const forgedState = canonicalize({ data: { state: { count: 999 } }, parent: sha256(message) })!;
  primary.setLines([...lines, message, forgedState]);

  assert.equal(await follower.exited, 1);
  assert.match(follower.stderr(), new RegExp(`actorchain: CHAIN_DIVERGED: entry 12 \\(hash ${sha256(forgedState)}\\): `));
  assert.equal(await mirror.exited, 1);
  const fatal = mirror.logs.find((l) => l.level === 60);
  assert.equal(fatal?.code, 'CHAIN_DIVERGED');
  assert.match(String(fatal?.msg), new RegExp(`entry 12 \\(hash ${sha256(forgedState)}\\)`));
  assert.equal(readFileSync(chainFile(mirrorDir), 'utf8'), fileText(lines), 'the mirror kept what it verified (the honest pair too), and nothing else');
});

test('a rewritten past stops verify --follow and mirror with CHAIN_FORKED naming both heads; SIGINT ends following with exit 0', async (t) => {
  const counter = await buildFixture('counter');
  const lines = await honestLines(t, counter);
  const primary = await FakePrimary.start(t, lines);
  const mirrorDir = tempDir(t);
  const verifiedHead = sha256(lines.at(-1)!);

  // A follower stopped by the user sums up and exits 0. Its metrics can be scraped meanwhile.
  const stopped = spawnCli(t, ['verify', counter, primary.url, '--follow', '--metrics', '127.0.0.1:0']);
  await stopped.waitForStdout(/length 10\n/);
  const metricsUrl = /metrics on (http:\S+)/.exec(stopped.stderr())![1]!;
  const metrics = await (await fetch(metricsUrl)).text();
  assert.match(metrics, /^actorchain_follow_entries_verified_total 10$/m);
  assert.match(metrics, /^actorchain_follow_lag_entries 0$/m);
  assert.match(metrics, /^actorchain_follow_reconnects_total 0$/m);
  stopped.child.kill('SIGINT');
  assert.equal(await stopped.exited, 0);
  assert.match(stopped.stdout(), new RegExp(`stopped following \\(SIGINT\\): verified 10 entries, head ${verifiedHead}, length 10, 0 reconnects\\n$`));

  const follower = spawnCli(t, ['verify', counter, primary.url, '--follow']);
  const mirror = await startMirror(t, counter, primary.url, mirrorDir);
  await follower.waitForStdout(/length 10\n/);
  await waitFor('the mirror to copy 10 entries', async () => (await getJson(`${mirror.url}/head`)).body.length === 10);

  // The second message is rewritten and every hash after it re-sealed: a sound chain, another history.
  const rewritten = forgeAndRelink(lines, 4, { message: { add: 20 } });
  primary.setLines(rewritten);
  const theirHead = sha256(rewritten.at(-1)!);

  assert.equal(await follower.exited, 1);
  assert.match(
    follower.stderr(),
    new RegExp(
      `actorchain: CHAIN_FORKED: .*entry 10 \\(hash ${verifiedHead}\\) is not in its chain.*Verified head: ${verifiedHead} \\(10 entries\\); its head: ${theirHead} \\(10 entries\\)`,
    ),
  );
  assert.equal(await mirror.exited, 1);
  const fatal = mirror.logs.find((l) => l.level === 60);
  assert.equal(fatal?.code, 'CHAIN_FORKED');
  assert.match(String(fatal?.msg), new RegExp(`Verified head: ${verifiedHead}.*its head: ${theirHead}`));
  assert.equal(readFileSync(chainFile(mirrorDir), 'utf8'), fileText(lines), 'the verified copy is the evidence');

  // Following needs a runtime: a file does not grow.
  const notUrl = await runCli(['verify', counter, mirrorDir, '--follow']);
  assert.equal(notUrl.code, 1);
  assert.match(notUrl.stderr, /INVALID_OPTION: --follow needs the URL of a running runtime/);

  // Started again on the forked primary, the mirror refuses to follow it, and leaves its copy as it is.
  const again = spawnCli(t, ['mirror', counter, primary.url, '--data-dir', mirrorDir, '--listen', '127.0.0.1:0']);
  assert.equal(await again.exited, 1);
  assert.match(again.stdout(), /"code":"CHAIN_FORKED"/);
  assert.equal(readFileSync(path.join(mirrorDir, 'chain.ndjson'), 'utf8'), fileText(lines));
});
