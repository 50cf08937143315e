/** The RFC 6962 root of a chain's first `size` entries, built as its groups stream by (verify). */
import type { EntryGroup } from '../chain/check.js';
import { leafHash, MerkleTree } from '../tlog/merkle.js';

export class TreeRootBuilder {
  readonly #size: number;
  readonly #tree = new MerkleTree();

  /** `size` undefined or 0: build nothing. */
  constructor(size: number | undefined) {
    this.#size = size ?? 0;
  }

  add(group: EntryGroup): void {
    for (const entry of group) if (this.#tree.size < this.#size) this.#tree.append(leafHash(entry.text));
  }

  /** The root (base64) once `size` entries were added; undefined before (or when none was asked for). */
  get root(): string | undefined {
    return this.#size > 0 && this.#tree.size === this.#size ? this.#tree.root(this.#size).toString('base64') : undefined;
  }
}
