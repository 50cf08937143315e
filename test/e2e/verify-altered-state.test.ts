import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { forgeAndRelink, makeChain, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { runCli, sha256 } from '../support/runtime.js';

test('a recorded state altered and re-hashed, the rest re-linked: sound to run, caught by verify replaying handle', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ balance: 10 }, { balance: 20 }, { balance: 30 }]);
  // Line 6 is the state after {"balance":20}; echo's handle makes the state the message.
  const lines = forgeAndRelink(readLines(dataDir), 5, { state: { balance: 20_000 } });
  writeLines(dataDir, lines);

  // Every hash and link holds, so the runtime (in process) has no reason to refuse it.
  const runtime = await startInProcess(t, component, { dataDir });
  await runtime.close();

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 1);
  assert.match(
    verified.stderr,
    new RegExp(
      `CHAIN_DIVERGED: line 6 \\(hash ${sha256(lines[5]!)}\\): the state differs from the replay: ` +
        `expected \\{"balance":20\\} \\(what handle returns\\), found \\{"balance":20000\\} \\(what the chain records\\)`,
    ),
  );
});

test('an init state altered and re-hashed is caught: init must give exactly the first state', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }]);
  writeLines(dataDir, forgeAndRelink(readLines(dataDir), 1, { state: { admin: true } }));

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 1);
  assert.match(
    verified.stderr,
    /CHAIN_DIVERGED: line 2 \(hash [0-9a-f]{64}\): the state differs from the replay: expected \{\} \(what init returns\), found \{"admin":true\}/,
  );
});

test('recorded sends are replayed too: a send added to a state entry is caught', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }]);
  const lines = readLines(dataDir);
  const sends = [{ to: 'http://127.0.0.1:9/', message: { steal: true } }];
  writeLines(dataDir, forgeAndRelink(lines, 3, { state: { n: 1 }, sends }));

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 1);
  assert.match(
    verified.stderr,
    /CHAIN_DIVERGED: line 4 \(hash [0-9a-f]{64}\): the sends differ from the replay: expected \[\] \(what handle sends\), found \[\{"message":\{"steal":true\},"to":"http:\/\/127\.0\.0\.1:9\/"\}\]/,
  );
});
