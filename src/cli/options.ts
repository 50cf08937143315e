import { Option } from 'commander';
import { ActorchainError } from '../errors.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log-options.js';

function invalid(message: string): never {
  throw new ActorchainError('INVALID_OPTION', message);
}

/** The longest delay a Node timer can hold: longer ones fire after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function integerOption(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) invalid(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces). */
export function parseListen(raw: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) invalid(`the listen address must be HOST:PORT with a port from 0 to 65535 (got ${JSON.stringify(raw)})`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function logLevelOption(raw: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) invalid(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(raw)})`);
  return raw as LogLevel;
}

export function logFormatOption(raw: string): LogFormat {
  if (!(LOG_FORMATS as readonly string[]).includes(raw)) invalid(`--log-format must be one of ${LOG_FORMATS.join(', ')} (got ${JSON.stringify(raw)})`);
  return raw as LogFormat;
}

/**
 * The value of a switch's variable (`ACTORCHAIN_IN_MEMORY`, `ACTORCHAIN_TOKEN_READS`). Read
 * strictly: `ACTORCHAIN_IN_MEMORY=false` must not quietly mean "in memory", so only the usual
 * spellings of on and off are taken and anything else is refused.
 */
export function envSwitch(variable: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  return invalid(`${variable} must be 1, true, yes or on to switch it on, or 0, false, no, off or empty (got ${JSON.stringify(raw)})`);
}

/** verify, inspect and mirror: the token of a runtime whose reads are closed (--token-reads). */
export function readTokenOption(): Option {
  return new Option('--token <secret>', "the runtime's token, to read one started with --token-reads (prefer the environment variable: flags show in ps)").env(
    'ACTORCHAIN_TOKEN',
  );
}

/** Every request to the runtime carries the token from here on, the worker threads' too (see readHeaders). */
export function useReadToken(token: string | undefined): void {
  if (token !== undefined) process.env.ACTORCHAIN_TOKEN = token;
}

/**
 * Validate every option before failing, so a user sees all problems in one go
 * (fastify's habit). `check` runs one parser and remembers its complaint.
 */
export class OptionChecker {
  readonly #problems: string[] = [];

  check<T>(parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof ActorchainError && err.code === 'INVALID_OPTION')) throw err;
      this.#problems.push(err.message);
      return undefined as T;
    }
  }

  done(): void {
    if (this.#problems.length > 0) throw new ActorchainError('INVALID_OPTION', this.#problems.join('; '));
  }
}
