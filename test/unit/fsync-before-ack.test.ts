/**
 * The promise behind a 200 (FileStore.append) against a disk whose fdatasync the test
 * controls: with --fsync always it resolves only once the sync covering its group has
 * completed, and with --fsync never it does not wait for one. (A kill -9, as in
 * crash-durability.test.ts, keeps the page cache, so only this can tell the two apart.)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { constants, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import { openFileStore } from '../../src/chain/recovery.js';
import { sealEntry } from '../../src/chain/entry.js';
import { tempDir } from '../support/chain-file.js';
import { GatedDisk } from '../support/gated-disk.js';

/** `count` linked groups of two entries (the store does not check kinds). */
function groups(count: number) {
  const out = [];
  let parent: string | null = null;
  for (let n = 0; n < count; n++) {
    const first = sealEntry(parent, { message: { n } });
    const second = sealEntry(first.hash, { state: { n } });
    out.push([first, second]);
    parent = second.hash;
  }
  return out;
}

/** Whether a promise has settled, after letting every pending I/O callback run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 10; i++) await tick();
  return done;
}

/**
 * One group appended, then two more while its durable write is in flight, on a disk that asks
 * the store for `perGroup` each group: none resolves before its write is durable, and the two
 * that waited share the next one.
 */
async function groupCommit(t: TestContext, syncsWrites: boolean, perGroup: string[]): Promise<void> {
  const disk = await GatedDisk.create(path.join(tempDir(t), 'chain.ndjson'), { syncsWrites });
  const store = disk.store('always');
  t.after(() => store.close());
  const [a, b, c] = groups(3);

  const first = store.append(a!);
  await disk.syncRequested();
  assert.deepEqual(disk.calls, perGroup, 'the first group: its calls, in order');
  assert.equal(await settled(first), false, 'its write is not durable yet: not resolved');
  const second = store.append(b!);
  const third = store.append(c!);

  await disk.completeSync();
  await first;
  await disk.syncRequested();
  assert.deepEqual(disk.calls, [...perGroup, ...perGroup], 'the two waiting groups share one durable write');
  assert.equal(await settled(second), false, 'appended during the first durable write: waits for the next one');
  await disk.completeSync();
  await Promise.all([second, third]);
}

test('--fsync always: an append resolves only after the fdatasync that covers it, and groups that wait share the next one', (t) =>
  groupCommit(t, false, ['write', 'datasync']));

test('--fsync always on a chain.ndjson opened O_DSYNC: one write a group and no fdatasync, and an append resolves only once that write returns', (t) =>
  groupCommit(t, true, ['write']));

/** The open flags of this process's descriptors of `file` (Linux: /proc/self/fdinfo). */
function openFlags(file: string): number[] {
  return readdirSync('/proc/self/fd')
    .filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    })
    .map((fd) => parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8));
}

test(
  'openFileStore opens chain.ndjson O_DSYNC with --fsync always, and not with --fsync never',
  { skip: process.platform !== 'linux' && 'reads /proc/self/fdinfo' },
  async (t) => {
    for (const fsync of ['always', 'never'] as const) {
      const dir = path.join(tempDir(t), fsync);
      const { store } = await openFileStore(dir, { componentHash: 'a'.repeat(64), fsync, onWarning: () => {} });
      const flags = openFlags(path.join(dir, 'chain.ndjson'));
      await store.close();
      assert.equal(flags.length, 1, `one descriptor of chain.ndjson (${fsync})`);
      assert.equal((flags[0]! & constants.O_DSYNC) !== 0, fsync === 'always', `O_DSYNC with --fsync ${fsync}`);
    }
  },
);

test('a live seal hands the store a chain.ndjson opened O_DSYNC too (--fsync always)', { skip: process.platform !== 'linux' && 'reads /proc/self/fdinfo' }, async (t) => {
  const dir = tempDir(t);
  let sealed!: () => void;
  const sealedOnce = new Promise<void>((resolve) => (sealed = resolve));
  const { store } = await openFileStore(dir, { componentHash: 'a'.repeat(64), fsync: 'always', onWarning: () => {}, sealAfterBytes: 1, onSealed: () => sealed() });
  t.after(() => store.close());
  const [a, b] = groups(2);
  await store.append(a!);
  await sealedOnce;
  await store.append(b!);
  const flags = openFlags(path.join(dir, 'chain.ndjson'));
  assert.ok(flags.length >= 1 && flags.every((f) => (f & constants.O_DSYNC) !== 0), 'every descriptor of the new chain.ndjson is O_DSYNC');
});

test('--fsync never: an append resolves once written, without waiting for any fdatasync', async (t) => {
  const disk = await GatedDisk.create(path.join(tempDir(t), 'chain.ndjson'));
  const store = disk.store('never');
  const [a] = groups(1);
  await store.append(a!);
  assert.deepEqual(disk.calls, ['write']);
  // Closing syncs once, best effort; let it through so the file closes.
  const closed = store.close();
  await disk.completeSync();
  await closed;
});
