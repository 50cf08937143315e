/**
 * A data dir's Merkle tree on disk, so that a start does not hash every entry a second time
 * (once for its chain hash, once for its leaf hash) nor rebuild a million inner nodes:
 *
 *   tree.hashes:  the tree's stored hashes (src/tlog/merkle.ts), 32 bytes each; append-only
 *   tree.head:    {"format":"actorchain-tree 1","leaves":N,"sha256":"<hex>"}
 *
 *   sha256: SHA-256 of the stored form of the first N leaves (2N - popcount(N) hashes)
 *
 * Nodes are appended (without a sync) as entries become durable, about 64 KB at a time (see
 * WRITE_AFTER_LEAVES); the head is replaced (whole
 * or not at all) after a sync, every HEAD_AFTER_LEAVES leaves and at close. A start trusts the
 * N leaves the head vouches for when their bytes still hash to its digest and leaf N-1 is the
 * leaf hash of chain entry N-1 (the chain's links make that entry stand for all before it);
 * the leaves after N are hashed from the chain's lines. Anything else (no head, a damaged or
 * stale file, another chain) rebuilds the tree from the chain: slower, never wrong.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CHUNK_BYTES } from '../tlog/merkle-chunks.js';
import { leafHash, MerkleTree, storedHashesLength } from '../tlog/merkle.js';

export const TREE_FILE = 'tree.hashes';
export const TREE_HEAD_FILE = 'tree.head';
/** The newest signed checkpoint a runtime left in its data dir when it stopped. */
export const SIGNED_CHECKPOINT_FILE = 'tree.checkpoint';
const FORMAT = 'actorchain-tree 1';
/** A new head after this many leaves: a killed runtime leaves at most this many to hash again. */
const HEAD_AFTER_LEAVES = 20_000;
/**
 * Nodes are written once this many leaves' worth waits (about 64 KB), not at every group
 * commit: a write of its own per group cost the durable path a thread-pool round trip per
 * group, and nodes past the head are thrown away by a start after a crash anyway.
 */
const WRITE_AFTER_LEAVES = 1024;
/** Entries read at a time when leaves are hashed from the chain. */
const READ_BATCH = 4096;

export interface TreeHead {
  leaves: number;
  sha256: string;
}

/** The chain's entries, for the leaves the file does not hold. */
export type ReadEntries = (from: number, to: number) => Promise<string[]>;

async function readHead(dir: string): Promise<TreeHead | undefined> {
  try {
    const head = JSON.parse(await readFile(path.join(dir, TREE_HEAD_FILE), 'utf8')) as Record<string, unknown>;
    const { leaves, sha256 } = head;
    if (head.format !== FORMAT || !Number.isSafeInteger(leaves) || (leaves as number) < 0 || typeof sha256 !== 'string') return undefined;
    return { leaves: leaves as number, sha256 };
  } catch {
    return undefined;
  }
}

export class TreeFile {
  readonly tree: MerkleTree;
  readonly #dir: string;
  readonly #handle: FileHandle;
  /** Leaves whose stored hashes are in tree.hashes, and the running digest of those bytes. */
  #written: number;
  readonly #digest: Hash;
  /** Leaves the head on disk vouches for. */
  #headLeaves: number;
  #writing: Promise<void> = Promise.resolve();
  #wanted = 0;
  #busy = false;
  #closed = false;

  private constructor(dir: string, handle: FileHandle, tree: MerkleTree, written: number, digest: Hash, headLeaves: number) {
    this.#dir = dir;
    this.#handle = handle;
    this.tree = tree;
    this.#written = written;
    this.#digest = digest;
    this.#headLeaves = headLeaves;
  }

  /**
   * The tree of a chain of `length` entries: from tree.hashes as far as its head vouches for
   * it, the rest hashed from the chain. `onWarning` hears why a file could not be used.
   */
  static async open(dir: string, length: number, readEntries: ReadEntries, onWarning: (message: string) => void): Promise<TreeFile> {
    const file = path.join(dir, TREE_FILE);
    const handle = await open(file, 'a+');
    try {
      const size = (await handle.stat()).size;
      const head = await readHead(dir);
      let tree = new MerkleTree();
      let digest = createHash('sha256');
      if (head !== undefined && head.leaves <= length && head.leaves > 0 && size >= storedHashesLength(head.leaves)) {
        const candidate = createHash('sha256');
        const pieces = await readChunks(handle, storedHashesLength(head.leaves), candidate);
        const candidateTree = MerkleTree.fromStoredHashes(pieces ?? []);
        const [last] = await readEntries(head.leaves - 1, head.leaves);
        if (
          pieces &&
          candidate.copy().digest('hex') === head.sha256 &&
          candidateTree.size === head.leaves &&
          candidateTree.leaf(head.leaves - 1).equals(leafHash(last!))
        ) {
          tree = candidateTree;
          digest = candidate;
        } else {
          onWarning(`${file} does not match chain.ndjson: rebuilding it from the chain`);
        }
      } else if (size > 0 && length > 0) {
        onWarning(`${file} has no usable ${TREE_HEAD_FILE}: rebuilding it from the chain`);
      }
      const trusted = tree.size;
      await handle.truncate(storedHashesLength(trusted));
      for (let from = trusted; from < length; from += READ_BATCH) {
        for (const text of await readEntries(from, Math.min(length, from + READ_BATCH))) tree.append(leafHash(text));
      }
      const treeFile = new TreeFile(dir, handle, tree, trusted, digest, trusted);
      if (length - trusted >= HEAD_AFTER_LEAVES) await treeFile.#write(length, true);
      return treeFile;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** The first `leaves` leaves are durable in the chain: write their nodes (in the background). */
  durable(leaves: number): void {
    this.#wanted = Math.max(this.#wanted, leaves);
    if (this.#busy || this.#closed || this.#wanted - this.#written < WRITE_AFTER_LEAVES) return;
    this.#busy = true;
    this.#writing = (async () => {
      try {
        while (this.#wanted - this.#written >= WRITE_AFTER_LEAVES) {
          const leaves = this.#wanted;
          await this.#write(leaves, leaves - this.#headLeaves >= HEAD_AFTER_LEAVES);
        }
      } catch {
        // Best effort: a start that finds the file short hashes the missing leaves from the chain.
      } finally {
        this.#busy = false;
      }
    })();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#writing;
    try {
      if (this.#wanted > 0) await this.#write(this.#wanted, this.#wanted !== this.#headLeaves);
    } catch {
      // As above: the next start rebuilds what is missing.
    } finally {
      await this.#handle.close();
    }
  }

  /** Append the stored hashes of the first `leaves` leaves not written yet; with `head`, sync and vouch for them. */
  async #write(leaves: number, head: boolean): Promise<void> {
    if (leaves > this.#written) {
      const bytes = this.tree.storedHashes(this.#written, leaves);
      for (let done = 0; done < bytes.length;) done += (await this.#handle.write(bytes, done, bytes.length - done)).bytesWritten;
      this.#digest.update(bytes);
      this.#written = leaves;
    }
    if (!head) return;
    await this.#handle.datasync();
    const text = `${JSON.stringify({ format: FORMAT, leaves, sha256: this.#digest.copy().digest('hex') })}\n`;
    await replaceFile(path.join(this.#dir, TREE_HEAD_FILE), text);
    this.#headLeaves = leaves;
  }
}

/**
 * The first `length` bytes of the file, in pieces the tree keeps as its chunks (no copy: a
 * million leaves' 64 MB touched once, not twice), each added to `digest` as it is read;
 * undefined if the file ends before.
 */
async function readChunks(handle: FileHandle, length: number, digest: Hash): Promise<Buffer[] | undefined> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < length; at += CHUNK_BYTES) {
    const piece = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, length - at));
    for (let done = 0; done < piece.length;) {
      const { bytesRead } = await handle.read(piece, done, piece.length - done, at + done);
      if (bytesRead === 0) return undefined; // shorter than its size said: not the file the head vouches for
      done += bytesRead;
    }
    digest.update(piece);
    pieces.push(piece);
  }
  return pieces;
}

/** Write `text` to `file` whole or not at all: a temporary file, synced, renamed over it. */
async function replaceFile(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

export function writeSignedCheckpoint(dir: string, note: string): Promise<void> {
  return replaceFile(path.join(dir, SIGNED_CHECKPOINT_FILE), note);
}

/** The data dir's signed checkpoint, or undefined when it has none. */
export async function readSignedCheckpoint(dir: string): Promise<string | undefined> {
  return readFile(path.join(dir, SIGNED_CHECKPOINT_FILE), 'utf8').catch(() => undefined);
}
