/**
 * A text held as pieces of other buffers (a piece table), so that a run of deltas can be
 * applied without copying the whole text at each step: rebuilding a 128 KB state from the
 * full text 60 deltas before it copies 128 KB once, not 60 times (see delta.ts and
 * sealed-reader.ts). Each delta adds a few pieces (its inserts, and the cuts around them);
 * pieces that continue one another in the same buffer are kept as one.
 */
export class PieceText {
  readonly length: number;
  /** Piece k is sources[k] bytes [froms[k], froms[k] + (starts[k + 1] - starts[k])), at starts[k] in the text. */
  readonly #sources: Buffer[];
  readonly #froms: number[];
  readonly #starts: number[];

  private constructor(sources: Buffer[], froms: number[], starts: number[], length: number) {
    this.#sources = sources;
    this.#froms = froms;
    this.#starts = starts;
    this.length = length;
  }

  /** The whole of `buffer`, as one piece (not copied). */
  static of(buffer: Buffer): PieceText {
    return new PieceText([buffer], [0], [0], buffer.length);
  }

  /** How many pieces it is made of. */
  get pieces(): number {
    return this.#sources.length;
  }

  /** Append this text's bytes [from, from + n) to `out` (the caller checks the range). */
  copyTo(out: PieceTextBuilder, from: number, n: number): void {
    const starts = this.#starts;
    // The last piece that starts at or before `from`.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= from) lo = mid;
      else hi = mid - 1;
    }
    for (let k = lo; n > 0; k++) {
      const end = k + 1 < starts.length ? starts[k + 1]! : this.length;
      const skip = from - starts[k]!;
      const take = Math.min(n, end - from);
      out.push(this.#sources[k]!, this.#froms[k]! + skip, take);
      from += take;
      n -= take;
    }
  }

  /** The text as one buffer: the source itself when it is all of one, else a copy. */
  toBuffer(): Buffer {
    if (this.#sources.length === 1) {
      const source = this.#sources[0]!;
      return this.#froms[0] === 0 && this.length === source.length ? source : source.subarray(this.#froms[0], this.#froms[0]! + this.length);
    }
    const out = Buffer.allocUnsafe(this.length);
    for (let k = 0; k < this.#sources.length; k++) {
      const end = k + 1 < this.#starts.length ? this.#starts[k + 1]! : this.length;
      this.#sources[k]!.copy(out, this.#starts[k], this.#froms[k], this.#froms[k]! + end - this.#starts[k]!);
    }
    return out;
  }

  static builder(): PieceTextBuilder {
    return new PieceTextBuilder((sources, froms, starts, length) => new PieceText(sources, froms, starts, length));
  }
}

/** Collects the pieces of a new text in order. */
export class PieceTextBuilder {
  readonly #sources: Buffer[] = [];
  readonly #froms: number[] = [];
  readonly #starts: number[] = [];
  #length = 0;
  readonly #make: (sources: Buffer[], froms: number[], starts: number[], length: number) => PieceText;

  constructor(make: (sources: Buffer[], froms: number[], starts: number[], length: number) => PieceText) {
    this.#make = make;
  }

  get length(): number {
    return this.#length;
  }

  /** Append `source` bytes [from, from + n). */
  push(source: Buffer, from: number, n: number): void {
    if (n === 0) return;
    const last = this.#sources.length - 1;
    // A piece that continues the last one in the same buffer extends it.
    if (last >= 0 && this.#sources[last] === source && this.#froms[last]! + (this.#length - this.#starts[last]!) === from) {
      this.#length += n;
      return;
    }
    this.#sources.push(source);
    this.#froms.push(from);
    this.#starts.push(this.#length);
    this.#length += n;
  }

  build(): PieceText {
    if (this.#sources.length === 0) return PieceText.of(Buffer.alloc(0));
    return this.#make(this.#sources, this.#froms, this.#starts, this.#length);
  }
}
