/**
 * What a runtime signs: C2SP tlog-checkpoints of the chain's Merkle tree (a signed note whose
 * text is the origin, the tree size and the base64 root hash), and receipts, the inclusion
 * proof of one entry in the tree a checkpoint signs.
 *
 *   actorchain/5f0c8e7a9d1b2c3e      ← origin (the name the key signs under)
 *   42                               ← tree size: durable entries
 *   3Nb2…Yk=                         ← base64 root hash (RFC 6962)
 *                                    ← blank line
 *   — actorchain/5f0c8e7a9d1b2c3e AbCd…==   ← base64 of key id (4 bytes) and Ed25519 signature
 */
import { createHash, sign } from 'node:crypto';
import { checkpointBody } from '../tlog/checkpoint.js';
import { keyId, KEY_TYPE_ED25519, verifierKey, type Identity } from '../tlog/keys.js';
import type { MerkleTree } from '../tlog/merkle.js';

/** A chain's default origin: `actorchain/` and the first 16 hex digits of the SHA-256 of the raw public key. */
export function defaultOrigin(identity: Identity): string {
  return `actorchain/${createHash('sha256').update(identity.publicKeyBytes).digest('hex').slice(0, 16)}`;
}

/** The proof, given with every `200` to `POST /`, that the runtime committed an entry. */
export interface Receipt {
  /** The entry's position in the chain (genesis is 0): its leaf index in the tree. */
  index: number;
  /** The entry's hash (its name in GET /chain/<hash>). */
  hash: string;
  /** The signed checkpoint the proof leads to. */
  checkpoint: string;
  /** The RFC 6962 audit path of leaf `index` in the tree of the checkpoint's size, base64. */
  proof: string[];
}

export interface SignedCheckpoint {
  size: number;
  root: Buffer;
  /** The whole signed note. */
  note: string;
  /** The note as a JSON string, made once for every receipt that carries it. */
  noteJson: string;
}

/** A receipt's JSON text, as the notary wrote it (JSON.stringify does not see symbol keys). */
const RECEIPT_JSON = Symbol('receipt JSON');

/** The JSON text of a receipt: the one the notary made with it, or JSON.stringify's (the same text). */
export function receiptJson(receipt: Receipt): string {
  return (receipt as Receipt & { [RECEIPT_JSON]?: string })[RECEIPT_JSON] ?? JSON.stringify(receipt);
}

interface TurnReceipt {
  index: number;
  hash: string;
  resolve: (receipt: Receipt) => void;
  reject: (err: unknown) => void;
}

export class Notary {
  readonly identity: Identity;
  readonly origin: string;
  readonly #tree: MerkleTree;
  #latest: SignedCheckpoint | undefined;
  /** `— <origin> ` and the 4-byte key id: what every signature line starts with. */
  readonly #linePrefix: string;
  readonly #keyId: Buffer;
  /** Answers waiting for the end of this turn's checkpoint (see receiptAtEndOfTurn). */
  #turn: TurnReceipt[] = [];
  #signatures = 0;

  constructor(identity: Identity, origin: string, tree: MerkleTree) {
    this.identity = identity;
    this.origin = origin;
    this.#tree = tree;
    this.#linePrefix = `\u2014 ${origin} `;
    this.#keyId = Buffer.alloc(4);
    this.#keyId.writeUInt32BE(keyId(origin, KEY_TYPE_ED25519, identity.publicKeyBytes));
  }

  /**
   * A receipt for the entry at `index` (named `hash`), made at the end of this turn of the
   * event loop in the tree of `size()` leaves then: the answers that became durable in one
   * turn share one checkpoint, so a burst costs one signature, not one each.
   *
   * The signature is made here, on this thread. Signing on libuv's thread pool while a
   * group is written (tried: the earlier design) cost more than it saved on a machine whose
   * cores are busy: waking a pool thread cost this thread more than the signature (alternating
   * runs of bench/receipts.js, --fsync always: 0.85-0.88x the build without a tree with it,
   * 0.90-0.91x without).
   */
  receiptAtEndOfTurn(index: number, hash: string, size: () => number): Promise<Receipt> {
    return new Promise((resolve, reject) => {
      if (this.#turn.push({ index, hash, resolve, reject }) === 1) setImmediate(() => this.#endTurn(size));
    });
  }

  #endTurn(sizeNow: () => number): void {
    const waiting = this.#turn;
    this.#turn = [];
    try {
      const size = sizeNow();
      const signed = this.checkpoint(size);
      for (const { index, hash, resolve } of waiting) resolve(this.#receipt(index, hash, size, signed));
    } catch (err) {
      for (const { reject } of waiting) reject(err);
    }
  }

  /** Checkpoints this notary has signed (GET /metrics: actorchain_checkpoints_signed_total). */
  get signatures(): number {
    return this.#signatures;
  }

  get verifierKey(): string {
    return verifierKey(this.origin, this.identity.publicKeyBytes);
  }

  /** The checkpoint of the tree of `size` leaves, signed once per size (the newest is kept). */
  checkpoint(size: number): SignedCheckpoint {
    if (this.#latest?.size === size) return this.#latest;
    const root = this.#tree.root(size);
    // The signed note of c2sp.org/signed-note, as signCheckpoint writes it (tested to be equal),
    // without its per-call checks: this runs once per group commit.
    const body = checkpointBody(this.origin, size, root);
    return this.#signed(size, root, body, sign(null, Buffer.from(body), this.identity.privateKey));
  }

  #signed(size: number, root: Buffer, body: string, signature: Buffer): SignedCheckpoint {
    this.#signatures++;
    const note = `${body}\n${this.#linePrefix}${Buffer.concat([this.#keyId, signature]).toString('base64')}\n`;
    const signed = { size, root, note, noteJson: JSON.stringify(note) };
    if (size >= (this.#latest?.size ?? 0)) this.#latest = signed;
    return signed;
  }

  /** A receipt for the entry at `index` (named `hash`) in the tree of `size` leaves. */
  receipt(index: number, hash: string, size: number): Receipt {
    return this.#receipt(index, hash, size, this.checkpoint(size));
  }

  #receipt(index: number, hash: string, size: number, { note, noteJson }: SignedCheckpoint): Receipt {
    const proof = this.#tree.inclusionProofBase64(index, size);
    // Written here rather than by JSON.stringify at every answer: the note is escaped once per
    // checkpoint, and a hex hash and base64 strings need no escaping.
    const json = `{"index":${index},"hash":"${hash}","checkpoint":${noteJson},"proof":[${proof.length === 0 ? '' : `"${proof.join('","')}"`}]}`;
    return Object.defineProperty({ index, hash, checkpoint: note, proof }, RECEIPT_JSON, { value: json });
  }
}
