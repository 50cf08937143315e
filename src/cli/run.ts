/**
 * `actorchain run`: its flags (each also an ACTORCHAIN_* variable) parsed into a RunConfig,
 * the runtime started with it (src/runtime/create-runtime.ts, createRuntime's own), and the
 * process ended with its exit code once it stops.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_LISTEN } from '../runtime/listen.js';
import { startRuntime } from '../runtime/create-runtime.js';
import { envName, RUN_DEFAULTS, runConfig, type RawRunOptions } from '../runtime/run-config.js';
import { serveUntilStopped } from '../runtime/shutdown.js';

function flag(flags: string, description: string, defaultValue?: string): Option {
  const option = new Option(flags, description).env(envName(flags.split(' ')[0]!));
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** Repeatable, and comma-separated (the form an environment variable can hold). */
function collectOrigins(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((part) => part.trim() !== '')];
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start the runtime for one actor: load the component, commit genesis and init, serve HTTP')
    .usage('<component.wasm> [HOST:PORT] [options]')
    .argument('<component>', 'the compiled WebAssembly component (.wasm)')
    .argument('[address]', `HOST:PORT to listen on (same as --listen)`)
    .addOption(
      flag(
        '--listen <host:port>',
        `address to listen on; port 0 picks a free port (default ${DEFAULT_LISTEN}). :PORT or 0.0.0.0:PORT listens on every interface, reachable from other machines: set --token then (a warning says so otherwise)`,
      ),
    )
    .addOption(flag('--timeout <ms>', 'bound on every call into handle and the contracts', RUN_DEFAULTS.timeout))
    .addOption(flag('--init-timeout <ms>', 'bound on init (and on instantiating the component)', RUN_DEFAULTS.initTimeout))
    .addOption(flag('--max-memory <MiB>', "bound on the component's linear memory", RUN_DEFAULTS.maxMemory))
    .addOption(flag('--max-restarts <n>', 'restarts allowed within --restart-window before the runtime exits', RUN_DEFAULTS.maxRestarts))
    .addOption(flag('--restart-window <s>', 'the window, in seconds, for --max-restarts', RUN_DEFAULTS.restartWindow))
    .addOption(flag('--max-queue <n>', 'messages that may wait their turn; beyond it POST / answers 503', RUN_DEFAULTS.maxQueue))
    .addOption(flag('--max-body <bytes>', 'largest POST body accepted (after Content-Encoding is decoded)', RUN_DEFAULTS.maxBody))
    .addOption(flag('--max-connections <n>', 'HTTP connections served at once; beyond it a new connection is closed at once', RUN_DEFAULTS.maxConnections))
    .addOption(flag('--headers-timeout <ms>', "a client that has not sent a request's headers within this is answered 408 and dropped", RUN_DEFAULTS.headersTimeout))
    .addOption(
      flag('--request-timeout <ms>', 'a client that has not sent a whole request (body included) within this is answered 408 and dropped', RUN_DEFAULTS.requestTimeout),
    )
    .addOption(
      flag('--max-state <bytes>', 'largest state (its canonical JSON) a message may leave; a larger one is refused with 422 STATE_TOO_LARGE', RUN_DEFAULTS.maxState),
    )
    .addOption(flag('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', RUN_DEFAULTS.logLevel))
    .addOption(flag('--log-format <format>', 'json or pretty (default: pretty on a terminal, json otherwise)'))
    .addOption(flag('--data-dir <dir>', 'where the chain is kept (default ./<component name>.actorchain)'))
    .addOption(flag('--in-memory', 'keep the chain in memory only: nothing is written, the history ends with the process'))
    .addOption(flag('--fsync <mode>', 'always: a 200 means the message is on disk; never: leave syncing to the OS', RUN_DEFAULTS.fsync))
    .addOption(
      flag(
        '--seal-after <bytes>',
        'once chain.ndjson holds this many bytes, seal them into chain.sealed in the background, each state stored as its change (a new data dir, or one compacted already; 0: never)',
        RUN_DEFAULTS.sealAfter,
      ),
    )
    .addOption(
      flag(
        '--key-file <path>',
        "the runtime's Ed25519 identity key (PKCS#8 PEM) that signs checkpoints (default: <data dir>/identity.key, created at the first start; a fresh key per run with --in-memory)",
      ),
    )
    .addOption(
      flag('--origin <name>', "a new chain's origin, the name its checkpoints are signed under (default: actorchain/<first 16 hex digits of the key's SHA-256>)"),
    )
    .addOption(flag('--token <secret>', 'POST / needs Authorization: Bearer <secret> (prefer the environment variable: flags show in ps)'))
    .addOption(flag('--token-reads', 'the GET routes need the token too'))
    .addOption(
      flag('--allow-send <origin>', 'an origin (http(s)://host[:port]) that send may reach; repeatable or comma-separated').argParser(collectOrigins).default([], 'none'),
    )
    .addOption(
      flag(
        '--send-token <origin=secret>',
        'deliveries to an allowed origin carry Authorization: Bearer <secret> (its receiver runs with --token); repeatable or comma-separated (prefer the environment variable: flags show in ps)',
      )
        .argParser(collectOrigins)
        .default([], 'none'),
    )
    .addOption(flag('--send-timeout <ms>', "how long a delivery attempt waits for its target's answer; then it is retried after the back-off", RUN_DEFAULTS.sendTimeout))
    .addOption(
      flag(
        '--accept-sends-from <key>',
        "a runtime whose deliveries are taken as its own: its verifier key (GET /identity's key) or base64 Ed25519 public key. A delivery it signs (RFC 9421) keeps its Idempotency-Key in that runtime's namespace; repeatable or comma-separated",
      )
        .argParser(collectOrigins)
        .default([], 'none'),
    )
    .action(async (component: string, address: string | undefined, raw: RawRunOptions, command: Command) => {
      const config = runConfig(component, address, raw, (key) => command.getOptionValueSource(key));
      await serveUntilStopped(() => startRuntime(config));
    });
}
