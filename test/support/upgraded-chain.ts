/**
 * A counter's chain upgraded twice offline (as test/upgrade-offline.test.ts does it): the
 * counter, then upgrade-counter-v2 (migrate renames count to total, a new message kind), then
 * upgrade-counter-v3 (no migrate). Lines: 0 genesis, 1 init, 2-5 two messages, 6 upgrade to
 * v2, 7 its state, 8-9 a message, 10 upgrade to v3, 11 its state, 12-13 a message.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { builtActor } from './build.js';
import { makeChain } from './chain-file.js';
import { runCli } from './runtime.js';

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

export async function upgradeOffline(dataDir: string, component: string): Promise<void> {
  const upgraded = await runCli(['upgrade', dataDir, component]);
  assert.equal(upgraded.code, 0, upgraded.stderr);
}

/** The chain described above in `dataDir`; the counter ends at {"total": 14}. */
export async function makeUpgradedChain(t: TestContext, c: UpgradeComponents, dataDir: string): Promise<void> {
  await makeChain(t, c.counter, dataDir, [{ add: 2 }, { add: 3 }]);
  await upgradeOffline(dataDir, c.v2);
  await makeChain(t, c.v2, dataDir, [{ double: true }]);
  await upgradeOffline(dataDir, c.v3);
  await makeChain(t, c.v3, dataDir, [{ add: 4 }]);
}
