/**
 * Child process for probe.ts: loads the bundled actor module in Node, with a stub for
 * `ntwk:simple-actor/runtime`, and reports through IPC whether it loaded and what `actor` holds.
 *
 *   fork(probe-child.js, [bundlePath], { execArgv: ['--enable-source-maps'] })
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { RUNTIME_MODULE } from './bundle.js';
import { ACTOR_FUNCTIONS, type ProbeReport } from './probe.js';

const dataUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;
const STUB = dataUrl('export function log() {}\nexport function send() {}');
const HOOKS = dataUrl(
  `export async function resolve(specifier, context, next) {
     return specifier === ${JSON.stringify(RUNTIME_MODULE)} ? { url: ${JSON.stringify(STUB)}, shortCircuit: true } : next(specifier, context);
   }`,
);

const OWN_FRAME = /\/probe-child\.[jt]s:\d+:\d+$/;

/** The first stack frame in the actor's own code (mapped to its source), if any. */
function where(err: unknown): string | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const frames = stack.matchAll(/^\s+at (?:.*? \()?((?:file:\/\/|\/)[^()\s]+:\d+:\d+)\)?$/gm);
  return [...frames].map((m) => m[1]!).find((frame) => !OWN_FRAME.test(frame));
}

async function probe(bundlePath: string): Promise<ProbeReport> {
  register(HOOKS);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(bundlePath).href)) as Record<string, unknown>;
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : `threw ${JSON.stringify(err) ?? String(err)}`;
    return { kind: 'threw', message, at: where(err) };
  }
  if (!('actor' in module)) return { kind: 'no-actor', exports: Object.keys(module) };
  const actor = Object(module.actor) as Record<string, unknown>;
  const missing = ACTOR_FUNCTIONS.filter((name) => typeof actor[name] !== 'function');
  if (missing.length > 0) return { kind: 'incomplete', missing };
  if (!('migration' in module)) return { kind: 'ok', migrate: false };
  const migration = Object(module.migration) as Record<string, unknown>;
  return typeof migration.migrate === 'function' ? { kind: 'ok', migrate: true } : { kind: 'incomplete', missing: ['migration.migrate'] };
}

const report = await probe(process.argv[2]!);
process.send!(report, () => process.exit(0));
