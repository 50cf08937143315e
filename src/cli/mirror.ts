/**
 * `actorchain mirror [<component>] <url> --data-dir <dir>`: a read-only replica that verifies
 * before it keeps anything. It follows the primary as verify --follow does, appends to its
 * own chain.ndjson only the groups whose replay matched (byte for byte the primary's lines),
 * and serves the read API over that copy. It never applies a message nor dispatches a send.
 *
 * Its data dir is opened as run opens one (lock, every line re-checked, a torn tail cut), and
 * its chain replayed again before following resumes, so `run` can later take the same dir over.
 * At a divergence or a fork it stops, keeping exactly what it had verified: the evidence.
 * Without a component argument, the genesis' component is fetched from the primary by hash,
 * as every later one is (or taken from --component files), and checked against that hash.
 *
 * The mirror itself is composed in src/runtime/create-mirror.ts (createMirror's own).
 */
import type { Command } from 'commander';
import { startMirror } from '../runtime/create-mirror.js';
import { MIRROR_DEFAULTS, mirrorConfig, type RawMirrorOptions } from '../runtime/mirror-config.js';
import { serveUntilStopped } from '../runtime/shutdown.js';
import { readTokenOption, useReadToken } from './options.js';

export function registerMirror(program: Command): void {
  program
    .command('mirror')
    .description("keep a verified, read-only copy of a running runtime's chain and serve its read API")
    .argument(
      '[component]',
      "the component the primary's chain started with (.wasm; its genesis must name it); without it, that one is fetched from the primary by hash as those it upgrades to are; all are kept in the data dir",
    )
    .argument('[url]', 'the primary runtime (or another mirror), e.g. http://10.0.0.5:8080')
    .option('--data-dir <dir>', 'where the verified copy (chain.ndjson) is kept; required')
    .option(
      '--component <file>',
      'a component the chain names (genesis or upgrade), matched by hash, instead of fetching it from the primary; repeatable',
      (file: string, files: string[]) => [...files, file],
      [] as string[],
    )
    .option('--listen <host:port>', 'address to serve the read API on; port 0 picks a free port', MIRROR_DEFAULTS.listen)
    .option('--fsync <mode>', 'always: an entry is served only once it is on disk; never: leave syncing to the OS', MIRROR_DEFAULTS.fsync)
    .option('--timeout <ms>', 'how long a replay may make no progress, and a request to the primary may take beyond its long poll', MIRROR_DEFAULTS.timeout)
    .option('--max-memory <MiB>', "bound on the component's linear memory (as given to run)", MIRROR_DEFAULTS.maxMemory)
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', MIRROR_DEFAULTS.logLevel)
    .option(
      '--witness',
      "be a witness: cosign (C2SP tlog-cosignature/v1) each of the primary's checkpoints once every entry it signs is replayed here; GET /checkpoint serves it with the cosignature",
    )
    .option('--witness-name <name>', "the name the witness cosigns under (default: actorchain-witness/<first 16 hex digits of its key's SHA-256>)")
    .option('--key-file <path>', "the witness's Ed25519 key (PKCS#8 PEM; default: <data dir>/identity.key, created at the first start)")
    .option('--key <verifier key>', "the primary's verifier key, for a chain whose genesis records none")
    .addOption(readTokenOption())
    .action(async (first: string | undefined, second: string | undefined, raw: RawMirrorOptions) => {
      useReadToken(raw.token);
      // mirror <url>, or mirror <component.wasm> <url> as before upgrades (as verify takes them).
      const [component, primary] = second === undefined ? [undefined, first] : [first, second];
      const config = mirrorConfig(component, primary, raw);
      await serveUntilStopped(() => startMirror(config));
    });
}
