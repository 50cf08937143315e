import { pino, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Pretty for a person at a terminal, JSON lines for everything else (a log collector, a pipe). */
export function defaultLogFormat(fd: 1 | 2 = 1): LogFormat {
  return (fd === 1 ? process.stdout : process.stderr).isTTY ? 'pretty' : 'json';
}

/**
 * Logs through pino, written synchronously so nothing is lost when the process exits right
 * after logging (an exhausted restart budget, a refused chain). `fd` 1 for the runtime, 2 for
 * tools whose stdout is data (export). `pretty` formats each line with pino-pretty, in
 * process and just as synchronously, one line per entry (its fields inline) so it still greps.
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1, format: LogFormat = defaultLogFormat(fd)): Logger {
  // pino-pretty is loaded only for a terminal: a runtime logging JSON lines starts without it.
  const pretty = () => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const destination =
    format === 'pretty' ? pretty()({ destination: fd, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname', singleLine: true }) : pino.destination({ fd, sync: true });
  return pino({ level, base: { pid: process.pid } }, destination);
}
