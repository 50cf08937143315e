/**
 * A one-line progress display on stderr for long passes over a chain (recovery, verify).
 * Drawn only on a terminal, so logs and pipes stay clean, and only once the pass has run
 * for a moment, so short chains print nothing.
 */
const DELAY_MS = 500;
const REDRAW_MS = 100;

export type ProgressUnit = 'bytes' | 'entries';

function amount(n: number, unit: ProgressUnit): string {
  return unit === 'bytes' ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n.toLocaleString('en-US')} entries`;
}

export class Progress {
  readonly #label: string;
  readonly #unit: ProgressUnit;
  readonly #stream: NodeJS.WriteStream;
  readonly #started = performance.now();
  #drawnAt = 0;
  #drawn = false;

  constructor(label: string, unit: ProgressUnit, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#unit = unit;
    this.#stream = stream;
  }

  /** A callback for the readers' onProgress. */
  readonly update = (done: number, total: number): void => {
    if (!this.#stream.isTTY) return;
    const now = performance.now();
    if (now - this.#started < DELAY_MS || now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    this.#drawn = true;
    const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.#stream.write(`\r\x1b[K${this.#label} ${bar} ${percent}% ${amount(done, this.#unit)} of ${amount(total, this.#unit)}`);
  };

  /** Erase the line, if one was drawn. */
  done(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }
}

/**
 * A one-line display of the current step of a multi-step task (build) and the seconds it has
 * taken, redrawn each second on a terminal; silent elsewhere.
 */
export class StepProgress {
  readonly #stream: NodeJS.WriteStream;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
  }

  /** Show `label` from now on, with its elapsed seconds. */
  readonly step = (label: string): void => {
    if (!this.#stream.isTTY) return;
    clearInterval(this.#timer);
    const started = performance.now();
    const draw = () => this.#stream.write(`\r\x1b[K${label} ${Math.floor((performance.now() - started) / 1000)} s`);
    draw();
    this.#timer = setInterval(draw, 1000);
  };

  /** Erase the line. */
  done(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream.write('\r\x1b[K');
  }
}
