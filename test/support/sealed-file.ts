/** Test support for chain.sealed (the format: src/chain/sealed.ts), damaged the way a bad disk or an attacker would. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';

/** A varint of chain.sealed at `at`: its value and where the next thing starts. */
function varint(bytes: Buffer, at: number): [number, number] {
  let value = 0;
  for (let scale = 1; ; scale *= 0x80) {
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, at];
  }
}

/** Where the bytes the last insert of a delta (src/chain/delta.ts) inserts end. */
function lastInsertEnd(delta: Buffer): number {
  let [, at] = varint(delta, 0);
  let end = -1;
  while (at < delta.length) {
    const [op, next] = varint(delta, at);
    if (op & 1) [, at] = varint(delta, next);
    else end = at = next + op / 2;
  }
  assert.ok(end > 0, 'the delta inserts bytes');
  return end;
}

/**
 * Change the last byte the first delta of the first block inserts, and compress the block
 * again: it decompresses fine but rebuilds another text, of the same length. Returns the
 * entry's position.
 */
export function damageFirstDelta(sealed: string): number {
  const file = readFileSync(sealed);
  // The first block: its header says which entries are deltas, its body holds their payloads.
  const at = 'actorchain-sealed 1\n'.length;
  const headerBytes = file.readUInt32BE(at);
  const bodyBytes = file.readUInt32BE(at + 4);
  const header = file.subarray(at + 8, at + 8 + headerBytes);
  const raw = Buffer.from(brotliDecompressSync(file.subarray(at + 8 + headerBytes, at + 8 + headerBytes + bodyBytes)));
  let [count, h] = varint(header, 0);
  let b = 0;
  let damaged = -1;
  for (let entry = 0; entry < count && damaged === -1; entry++) {
    [, h] = varint(header, h);
    const form = header[h]!;
    h += 9;
    const [length, payloadAt] = varint(raw, b);
    if (form === 1) {
      const last = payloadAt + lastInsertEnd(raw.subarray(payloadAt, payloadAt + length)) - 1;
      raw[last] = raw[last] === 0x31 ? 0x32 : 0x31;
      damaged = entry;
    }
    b = payloadAt + length;
  }
  assert.ok(damaged > 0, 'the first block holds a delta');
  const body = brotliCompressSync(raw);
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(headerBytes, 0);
  lengths.writeUInt32BE(body.length, 4);
  writeFileSync(sealed, Buffer.concat([file.subarray(0, at), lengths, header, body, file.subarray(at + 8 + headerBytes + bodyBytes)]));
  return damaged;
}
