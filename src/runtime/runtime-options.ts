/**
 * createRuntime's options object: `actorchain run`'s flags under their camelCase names, in
 * the same units, turned into the flags' raw values and checked by runConfig, so that a bad
 * value is refused with the flag's message.
 */
import { ActorchainError } from '../errors.js';
import type { LogDestination } from '../log.js';
import type { RuntimeOptions } from '../../types/index.js';
import { DEFAULT_LISTEN } from './listen.js';
import { RUN_DEFAULTS, runConfig, type RawRunOptions, type RunConfig } from './run-config.js';

/** createRuntime's options are declared once, in the declarations the package ships (types/index.d.ts). */
export type { RuntimeOptions };

const NUMBER_OPTIONS = [
  'timeout',
  'initTimeout',
  'maxMemory',
  'maxRestarts',
  'restartWindow',
  'maxQueue',
  'maxBody',
  'maxConnections',
  'headersTimeout',
  'requestTimeout',
  'maxState',
  'sealAfter',
  'sendTimeout',
] as const;
const OTHER_OPTIONS = [
  'component',
  'listen',
  'dataDir',
  'inMemory',
  'fsync',
  'keyFile',
  'origin',
  'logLevel',
  'logFormat',
  'logDestination',
  'token',
  'tokenReads',
  'allowSend',
  'sendTokens',
  'acceptSendsFrom',
];

/** An options object's names checked: a misspelt option must not be quietly ignored. */
export function checkOptionNames(options: object, known: readonly string[], what: string): void {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length > 0)
    throw new ActorchainError('INVALID_OPTION', `${what} has no option ${unknown.map((key) => JSON.stringify(key)).join(', ')} (it takes ${known.join(', ')})`);
}

/** createRuntime's and createMirror's logDestination: an object with write(line), or nothing (stdout). */
export function checkedLogDestination(value: unknown): LogDestination | undefined {
  if (value !== undefined && typeof (value as { write?: unknown } | null)?.write !== 'function')
    throw new ActorchainError('INVALID_OPTION', 'logDestination must have a write(line) method, such as a writable stream');
  return value as LogDestination | undefined;
}

/** A component given as bytes is named so in messages. */
export const COMPONENT_BYTES_NAME = 'component.wasm';

/** createRuntime's options checked as the CLI's flags are, into a RunConfig. */
export function runtimeConfig(options: RuntimeOptions): RunConfig {
  if (typeof options !== 'object' || options === null)
    throw new ActorchainError('INVALID_OPTION', 'createRuntime takes an options object, such as { component: "actor.wasm", listen: "127.0.0.1:0" }');
  checkOptionNames(options, [...NUMBER_OPTIONS, ...OTHER_OPTIONS], 'createRuntime');
  const { component } = options;
  const bytes = component instanceof Uint8Array ? component : undefined;
  if (typeof component !== 'string' && bytes === undefined)
    throw new ActorchainError('INVALID_OPTION', 'component must be the path of a .wasm file or its bytes (a Uint8Array)');
  if (bytes !== undefined && options.dataDir === undefined && options.inMemory !== true) {
    throw new ActorchainError('INVALID_OPTION', 'a component given as bytes has no file name to make a data dir of: give dataDir, or inMemory: true');
  }
  const numbers = Object.fromEntries(NUMBER_OPTIONS.map((key) => [key, options[key] === undefined ? RUN_DEFAULTS[key] : String(options[key])]));
  const raw: RawRunOptions = {
    ...(numbers as Record<(typeof NUMBER_OPTIONS)[number], string>),
    listen: options.listen ?? DEFAULT_LISTEN,
    logLevel: options.logLevel ?? RUN_DEFAULTS.logLevel,
    logFormat: options.logFormat,
    dataDir: options.dataDir,
    inMemory: options.inMemory,
    fsync: options.fsync ?? RUN_DEFAULTS.fsync,
    keyFile: options.keyFile,
    origin: options.origin,
    token: options.token,
    tokenReads: options.tokenReads,
    allowSend: options.allowSend ?? [],
    sendToken: Object.entries(options.sendTokens ?? {}).map(([origin, secret]) => `${origin}=${secret}`),
    acceptSendsFrom: options.acceptSendsFrom ?? [],
  };
  const config = runConfig(bytes === undefined ? (component as string) : COMPONENT_BYTES_NAME, undefined, raw);
  const logDestination = checkedLogDestination(options.logDestination);
  return bytes === undefined && logDestination === undefined ? config : Object.freeze({ ...config, componentBytes: bytes, logDestination });
}
