/**
 * A counter's chain upgraded twice offline (as test/e2e/upgrade-offline.test.ts does it): the
 * counter, then upgrade-counter-v2 (migrate renames count to total, a new message kind), then
 * upgrade-counter-v3 (no migrate). Lines: 0 genesis, 1 init, 2-5 two messages, 6 upgrade to
 * v2, 7 its state, 8-9 a message, 10 upgrade to v3, 11 its state, 12-13 a message.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { upgradeDataDir } from '../../src/actor/upgrade.js';
import { loadComponent } from '../../src/component/load.js';
import { builtActor } from './build.js';
import { makeChain } from './chain-file.js';

export interface UpgradeComponents {
  counter: string;
  v2: string;
  v3: string;
}

export async function buildUpgradeComponents(): Promise<UpgradeComponents> {
  const [counter, v2, v3] = await Promise.all([
    buildFixture('counter'),
    builtActor('fixtures/actors/upgrade-counter-v2.js'),
    builtActor('fixtures/actors/upgrade-counter-v3.js'),
  ]);
  return { counter, v2, v3 };
}

/**
 * `actorchain upgrade <dataDir> <component>`'s work, in process (src/actor/upgrade.ts): a step
 * in making a chain, not the command under test (upgrade-offline.test.ts drives that one).
 */
export async function upgradeOffline(dataDir: string, component: string): Promise<void> {
  const maxMemoryMiB = 256;
  const warnings: string[] = [];
  await upgradeDataDir(dataDir, await loadComponent(component, { maxMemoryMiB }), { maxMemoryMiB, dryRun: false, onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [], `upgrading ${dataDir} to ${component}`);
}

/** The data dir made once per test file (three runtimes and two upgrades: a dozen seconds), copied by each test. */
let made: Promise<string> | undefined;

/** The chain described above in `dataDir` (empty or not there yet); the counter ends at {"total": 14}. */
export async function makeUpgradedChain(t: TestContext, c: UpgradeComponents, dataDir: string): Promise<void> {
  made ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'actorchain-upgraded-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await makeChain(t, c.counter, dir, [{ add: 2 }, { add: 3 }]);
    await upgradeOffline(dir, c.v2);
    await makeChain(t, c.v2, dir, [{ double: true }]);
    await upgradeOffline(dir, c.v3);
    await makeChain(t, c.v3, dir, [{ add: 4 }]);
    return dir;
  })();
  cpSync(await made, dataDir, { recursive: true });
}
