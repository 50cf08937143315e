import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * JSON lines through pino, written synchronously so nothing is lost when the process exits
 * right after logging (an exhausted restart budget, a refused chain). `fd` 1 for the
 * runtime, 2 for tools whose stdout is data (export).
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd, sync: true }));
}
