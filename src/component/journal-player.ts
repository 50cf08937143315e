/**
 * Playing a recorded journal back (journal.ts): the Player serves an entry's recorded values to
 * the component that wrote them and notices any difference (verify); the Prompter serves them
 * to another component for as long as it asks for the same (replay-check).
 */
import type { JournalRecord } from '../chain/entry.js';
import type { Tape } from './journal.js';
import { recordedValue, startsFresh, type ReadKind } from './journal-reads.js';

/** A replay that asked for something other than what the journal records. */
export class JournalDivergence extends Error {}

function shown(record: unknown): string {
  const text = JSON.stringify(record) ?? String(record);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Replay: serves the recorded values, in order, and notices any difference. */
export class Player implements Tape {
  #records: readonly unknown[] = [];
  #next = 0;
  /** Values of the record at #next already served (a record with a count serves several). */
  #served = 0;
  /** The first difference, kept in case the component swallows the exception that reports it. */
  #divergence: JournalDivergence | undefined;
  /** An entry of a chain written before journals: what the component reads is read live, as then. */
  #live = false;

  /**
   * Play one entry's journal. Returns whether it starts with the fresh-instance marker (the
   * replay must then start a fresh instance before it reads on).
   */
  load(journal: readonly unknown[] | undefined, liveWhenAbsent = false): boolean {
    this.#records = journal ?? [];
    this.#live = journal === undefined && liveWhenAbsent;
    this.#divergence = undefined;
    const fresh = startsFresh(this.#records);
    this.#next = fresh ? 1 : 0;
    this.#served = 0;
    return fresh;
  }

  get divergence(): JournalDivergence | undefined {
    return this.#divergence;
  }

  read<T>(kind: ReadKind<T>, live: () => T, length?: number): T {
    if (this.#live) return live();
    if (this.#divergence) throw this.#divergence;
    const at = this.#next;
    const record = this.#records[at];
    if (record === undefined) {
      return this.#diverge(`asks for ${kind.what}, but the journal records no more values (it holds ${this.#records.length})`);
    }
    const where = `journal value ${at + 1}`;
    if (!Array.isArray(record) || record[0] !== kind.tag) {
      return this.#diverge(`asks for ${kind.what} where the chain records ${shown(record)} (${where})`);
    }
    const recorded = recordedValue(record, kind);
    if (recorded === undefined) return this.#diverge(`asks for ${kind.what}, but ${where} ${shown(record)} is not a valid one`);
    const { value, count } = recorded;
    if (length !== undefined && (value as Uint8Array).length !== length) {
      return this.#diverge(`asks for ${length} ${kind.what} where the chain records ${(value as Uint8Array).length} (${where})`);
    }
    if (++this.#served === count) {
      this.#next = at + 1;
      this.#served = 0;
    }
    return value;
  }

  /**
   * After the entry's last call: the journal as served. Values left unused are a divergence,
   * kept in `divergence` (this is called outside any call into the component, so it does not throw).
   */
  finish(): JournalRecord[] | undefined {
    if (!this.#divergence && this.#next < this.#records.length) {
      const left = this.#records.length - this.#next;
      if (this.#served > 0) {
        this.#divergence = new JournalDivergence(
          `uses ${this.#served} of the values journal value ${this.#next + 1} records (${shown(this.#records[this.#next])})${left > 1 ? `, and ${left - 1} more records` : ''}`,
        );
        return this.#records as JournalRecord[];
      }
      this.#divergence = new JournalDivergence(
        `leaves ${left} recorded value${left === 1 ? '' : 's'} unused, from journal value ${this.#next + 1}: ${shown(this.#records[this.#next])}`,
      );
    }
    return this.#records.length > 0 ? (this.#records as JournalRecord[]) : undefined;
  }

  #diverge(what: string): never {
    this.#divergence = new JournalDivergence(what);
    throw this.#divergence;
  }
}

/**
 * replay-check: a component that is not the one that wrote the journal. It is served an
 * entry's recorded values while it asks for the same kinds in the same order (so the same
 * code reading clocks answers as it did), and the host's answers from the first difference
 * on, never a divergence: what the new code observes is not what is checked.
 */
export class Prompter implements Tape {
  #records: readonly unknown[] = [];
  #next = 0;
  #served = 0;

  /** Serve this journal's values from the next read on (none: the host's). */
  load(journal: readonly unknown[] | undefined): void {
    this.#records = journal ?? [];
    const fresh = startsFresh(this.#records);
    this.#next = fresh ? 1 : 0;
    this.#served = 0;
  }

  read<T>(kind: ReadKind<T>, live: () => T, length?: number): T {
    const record = this.#records[this.#next];
    const recorded = recordedValue(record, kind);
    if (recorded === undefined || (length !== undefined && (recorded.value as Uint8Array).length !== length)) {
      this.#records = [];
      return live();
    }
    const { value, count } = recorded;
    if (++this.#served === count) {
      this.#next += 1;
      this.#served = 0;
    }
    return value;
  }
}
