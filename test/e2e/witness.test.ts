import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { waitFor } from '../support/outbox.js';
import { startInProcess } from '../support/in-process.js';
import { postJson, runCli, startMirror } from '../support/runtime.js';

// The primary runs in process; the witness mirror, receipt check and verify, under test, on the CLI.
test('a witness mirror replays, then cosigns the primary checkpoint; receipt check --witness requires its cosignature', async (t) => {
  const component = await buildFixture('echo');
  const primary = await startInProcess(t, component, { dataDir: tempDir(t) });
  const replies = [];
  for (const n of [1, 2, 3]) replies.push((await postJson(primary.url, { n })).body as { receipt: { checkpoint: string } });
  const mirrorDir = tempDir(t);
  const mirror = await startMirror(t, component, primary.url, mirrorDir, ['--witness', '--witness-name', 'witness.example/w1']);

  const primaryIdentity = (await (await fetch(`${primary.url}/identity`)).json()) as { key: string; origin: string };
  const cosigned = await waitFor('the cosigned checkpoint', async () => {
    const response = await fetch(`${mirror.url}/checkpoint`);
    const text = response.ok ? await response.text() : '';
    return text.startsWith(`${primaryIdentity.origin}\n8\n`) ? text : undefined;
  });
  // Read once it has cosigned: by then the mirror has learned the primary's key from it.
  const identity = (await (await fetch(`${mirror.url}/identity`)).json()) as { key: string; 'primary-key': string; origin: string };
  assert.match(identity.key, /^witness\.example\/w1\+[0-9a-f]{8}\+/, "the witness's own verifier key");
  // Its key is a cosignature/v1 key: type byte 0x04.
  assert.equal(Buffer.from(identity.key.split('+')[2]!, 'base64')[0], 0x04);

  assert.equal(identity['primary-key'], primaryIdentity.key);
  const lines = cosigned.split('\n');
  assert.ok(
    lines.some((line) => line.startsWith(`— ${primaryIdentity.origin} `)),
    "the primary's signature is kept",
  );
  assert.ok(
    lines.some((line) => line.startsWith('— witness.example/w1 ')),
    "the witness's cosignature is added",
  );

  const dir = tempDir(t);
  const file = path.join(dir, 'receipt.json');
  writeFileSync(file, JSON.stringify(replies[0]));
  const viaMirror = await runCli(['receipt', 'check', file, mirror.url, '--witness', identity.key]);
  assert.equal(viaMirror.code, 0, viaMirror.stderr);
  assert.match(viaMirror.stdout, /witness: witness\.example\/w1 cosigned/);
  const viaPrimary = await runCli(['receipt', 'check', file, primary.url, '--witness', identity.key]);
  assert.equal(viaPrimary.code, 1, 'the primary carries no cosignature');
  assert.match(viaPrimary.stderr, /RECEIPT_INVALID: .*no valid cosignature/);

  const verified = await runCli(['verify', component, primary.url]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /checkpoint: \d+ entries signed by .*; the root matches the replayed entries/);
});
