import { pino, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

import { defaultLogFormat, type LogFormat, type LogLevel } from './log-options.js';

export { defaultLogFormat, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log-options.js';

/** Fields a person reading the log does not need on every line (the JSON format keeps them all). */
const QUIET_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'actor', 'allowSend', 'sendTokens', 'token', 'tokenReads', 'source', 'stream']);

/** A field's value, short: hashes cut to 12 characters, strings bare unless they hold spaces. */
function shortValue(value: unknown): string {
  if (typeof value === 'string') {
    if (/^[0-9a-f]{64}$/.test(value)) return `${value.slice(0, 12)}…`;
    return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** The message, then the fields that matter as key=value, after a column so messages line up. */
export function prettyMessage(log: Record<string, unknown>): string {
  const msg = String(log.msg ?? '');
  const fields = Object.entries(log)
    .filter(([key, value]) => !QUIET_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${shortValue(value)}`);
  if (fields.length === 0) return msg;
  return `${msg.padEnd(48)}  ${fields.join(' ')}`;
}

/** Where a runtime embedded by createRuntime writes its log: each JSON line, with its newline, in one write. */
export interface LogDestination {
  write(line: string): unknown;
}

/**
 * Logs through pino. JSON lines go out asynchronously (sonic-boom gathers the lines logged
 * while a write is under way into the next one), so a busy actor that logs every message pays
 * no write system call per line on the thread that answers HTTP; pino flushes what is left
 * synchronously when the process exits, so nothing is lost when it exits right after logging
 * (an exhausted restart budget, a refused chain). `fd` 1 for the runtime, 2 for tools whose
 * stdout is data (export). `pretty` formats each line with pino-pretty, in process and
 * synchronously (a person at a terminal, not a load), one line per entry: the level, the
 * message, and the fields a person needs as key=value (prettyMessage), so it still greps.
 * `to`: JSON lines (whatever the format) to that destination instead: an embedding program's,
 * or a test's.
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1, format: LogFormat = defaultLogFormat(fd), to?: LogDestination): Logger {
  if (to !== undefined) return pino({ level, base: { pid: process.pid } }, to);
  // pino-pretty is loaded only for a terminal: a runtime logging JSON lines starts without it.
  const pretty = () => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const destination =
    format === 'pretty'
      ? pretty()({
          destination: fd,
          sync: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'hostname,pid',
          hideObject: true,
          // Messages start in one column whatever the level's name ("INFO:  ", "DEBUG: ").
          messageFormat: (log, _key, levelLabel) => ' '.repeat(Math.max(0, 5 - levelLabel.length)) + prettyMessage(log),
        })
      : pino.destination({ fd, sync: false });
  return pino({ level, base: { pid: process.pid } }, destination);
}
