/** The log's levels and formats, as options name them: without pino, for a command that only checks them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Pretty for a person at a terminal, JSON lines for everything else (a log collector, a pipe). */
export function defaultLogFormat(fd: 1 | 2 = 1): LogFormat {
  return (fd === 1 ? process.stdout : process.stderr).isTTY ? 'pretty' : 'json';
}
