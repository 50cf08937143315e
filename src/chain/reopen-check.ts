/**
 * Checking the lines of chain.ndjson that a reopen cannot take on a checkpoint's word (all
 * of them, or those after its prefix): on this thread, line by line, or with a second thread
 * (line-hasher.ts) hashing them and holding each to the one before meanwhile.
 */
import { ChainFileReader, type ChainFileOptions } from './chain-file.js';
import type { ChainIndex } from './chain-index.js';
import { entryByteLength, isBareEntry, type CheckedEntry } from './check.js';
import type { Send, StateData } from './entry.js';
import { hashLines, linksHold } from './line-hasher.js';

/** Below this many bytes to check, a second thread costs more to start than it saves. */
export const TWO_THREADS_FROM_BYTES = 8 << 20;
/**
 * Above this many, one thread checks them: until the end, the two-thread check holds each
 * line's offset and its hash in raw and hex (about 100 bytes a line, near the bytes checked
 * for the echo actor's lines), where one thread holds only the index.
 */
export const TWO_THREADS_UP_TO_BYTES = 256 << 20;

export interface LinesToCheck {
  file: string;
  /** The file's size: what both threads read up to. */
  size: number;
  readerOptions: ChainFileOptions;
  /** Holds the entries before `from`; the checked ones are added to it. */
  index: ChainIndex;
  /** Where the lines to check start. */
  from: number;
}

export interface CheckedLines {
  reader: ChainFileReader;
  /** Where the whole groups end. */
  end: number;
  lastStateEntry: CheckedEntry | undefined;
  /** State entries with sends, in chain order. */
  sends: { stateHash: string; sends: Send[] }[];
}

/**
 * Read the whole groups with `reader`, telling `onEntry` of each entry and its byte offset:
 * where they end, their sends, the last state.
 */
async function readGroups(reader: ChainFileReader, from: number, onEntry: (entry: CheckedEntry, offset: number) => void) {
  let offset = from;
  let lastStateEntry: CheckedEntry | undefined;
  const sends: CheckedLines['sends'] = [];
  for await (const batch of reader.batches()) {
    for (const group of batch) {
      for (const entry of group) {
        onEntry(entry, offset);
        offset += entryByteLength(entry) + 1;
      }
      lastStateEntry = group[1];
      // A bare state has no sends, and is not decoded (unless it is the last).
      const stateSends = isBareEntry(lastStateEntry) ? undefined : (lastStateEntry.data as StateData).sends;
      if (stateSends !== undefined) sends.push({ stateHash: lastStateEntry.hash, sends: stateSends });
    }
  }
  return { end: offset, lastStateEntry, sends };
}

/** Every check on this thread, line by line: what decides a chain, and names what is wrong with it. */
export async function checkOnOneThread(lines: LinesToCheck): Promise<CheckedLines> {
  const reader = new ChainFileReader(lines.file, { ...lines.readerOptions, upTo: lines.size });
  const read = await readGroups(reader, lines.from, (entry, offset) => lines.index.add(entry.hash, offset));
  return { reader, ...read };
}

/**
 * The same checks on two threads (line-hasher.ts): the hash thread hashes every line and
 * holds it to the one before while this one checks everything else. Undefined, with nothing
 * added to the index, unless every check passed: then one thread checks the lines again, so
 * a chain with a fault is reported (or its torn tail cut) exactly as before.
 */
export async function checkOnTwoThreads(lines: LinesToCheck): Promise<CheckedLines | undefined> {
  const { index } = lines;
  const first = index.length;
  const hashThread = hashLines({ file: lines.file, from: lines.from, to: lines.size, firstParent: first === 0 ? null : index.hashAt(first - 1) });
  const reader = new ChainFileReader(lines.file, { ...lines.readerOptions, upTo: lines.size, deferHashes: true });
  // Sized for the shortest line an entry can have (about 100 bytes), so they seldom grow.
  let offsets = new Float64Array(Math.ceil((lines.size - lines.from) / 96) + 16);
  let count = 0;
  let read;
  try {
    read = await readGroups(reader, lines.from, (_entry, offset) => {
      if (count === offsets.length) {
        const grown = new Float64Array(count * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[count++] = offset;
    });
  } catch {
    // One thread checks again and names the problem: the hashes are not needed.
    await hashThread.stop();
    return undefined;
  }
  // A message left without its state is cut as a tail only if its link holds.
  const hashes = await hashThread.hashed;
  if (!linksHold(hashes, reader.position - first)) return undefined;
  index.addMany(hashes.hashes.subarray(0, count * 32), offsets.subarray(0, count));
  return { reader, ...read };
}
