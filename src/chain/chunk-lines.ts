/**
 * Checking the whole lines of one chunk of chain.ndjson (ChainFileReader reads the chunks):
 * bare messages and states without decoding, the rest parsed, a torn last line told from
 * a corrupt one.
 */
import { ActorchainError } from '../errors.js';
import { parseJson, type ChainChecker, type EntryGroup } from './check.js';

const NEWLINE = 0x0a;

/** How far checkLines got through a buffer. */
export interface CheckedLines {
  /** Bytes of the buffer consumed: its whole lines, up to a torn one. */
  consumed: number;
  /** The line number after the last consumed. */
  line: number;
  /** Where the last group completed in the buffer ends in the file, if one did. */
  groupEnd: number | undefined;
  /** Why the file is torn, when its last line is. */
  torn: string | undefined;
  /** False when it stopped at its limit of groups, with lines left in the buffer. */
  atEnd: boolean;
}

/**
 * Check the whole lines of `buffer` with `checker` from `from` (the buffer starts at byte `bufferOffset` of
 * the file; the line there is number `line`), pushing the groups they complete onto
 * `batch`. Stops at a torn last line, or after `limit` groups. Returns how far it got: the bytes consumed, the next line number, where the last
 * whole group ends (if one ended here), and why the file is torn (if it is).
 */
export function checkLines(
  checker: ChainChecker,
  buffer: Buffer,
  from: number,
  bufferOffset: number,
  size: number,
  line: number,
  batch: EntryGroup[],
  limit: number,
  sealedDigest: ((position: number) => string | undefined) | undefined,
): CheckedLines {
  let start = from;
  let groupEnd: number | undefined;
  let torn: string | undefined;
  for (let nl = buffer.indexOf(NEWLINE, start); nl !== -1; nl = buffer.indexOf(NEWLINE, start)) {
    const bytes = buffer.subarray(start, nl);
    const end = bufferOffset + nl + 1;
    start = nl + 1;
    // Most lines are bare messages and states, checked without decoding; the rest are parsed.
    let group = checker.acceptBareLine(bytes, end === size, sealedDigest?.(line));
    if (group === null) {
      const text = bytes.toString('utf8');
      // Invalid UTF-8 decodes to U+FFFD, which would change the bytes that are hashed.
      const value = Buffer.byteLength(text) === bytes.length ? parseJson(text) : undefined;
      if (value === undefined) {
        if (end === size) {
          torn = `line ${line + 1} is not JSON (a write cut short)`;
          break;
        }
        throw new ActorchainError('CHAIN_CORRUPT', `line ${line + 1} is not UTF-8 JSON, and lines follow it`);
      }
      group = checker.accept(text, value, undefined, false, bytes);
    }
    line += 1;
    if (group) {
      groupEnd = end;
      if (batch.push(group) === limit) return { consumed: start, line, groupEnd, torn, atEnd: false };
    }
  }
  return { consumed: start, line, groupEnd, torn, atEnd: true };
}
