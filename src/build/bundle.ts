/**
 * Bundling: the actor's module and everything it imports (its own files, pure-JS npm
 * packages, TypeScript) become one ES module, the form componentize-js takes.
 * `ntwk:simple-actor/runtime` stays an import: the component imports it from the runtime.
 */
import type { Message, Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActorchainError } from '../errors.js';
import { displayPath, located } from './display-path.js';

/** The interface the runtime serves to every actor (src/wit/actor.wit, `import runtime`). */
export const RUNTIME_MODULE = 'ntwk:simple-actor/runtime';

/** What `import ... from 'actorchain'` gives an actor: defineActor, from this installation. */
export const SDK_MODULE = 'actorchain';
const OWN_SDK = fileURLToPath(new URL('../sdk/define-actor.js', import.meta.url));
const SDK_NAMESPACE = 'actorchain-sdk';
const ASKING_AGAIN = Symbol('asking again');

/**
 * An actor that imports `actorchain` gets the project's own copy when it has one (npm
 * install), and else this installation's: an actor file on its own, outside any project,
 * builds as docs/actors.md shows it. Either copy is named `actorchain-sdk:actorchain` in the
 * bundle, not by its path: a project's copy is a link to the installation (`file:`), whose
 * path differs from one machine to the next, and the bundle (and with it the component) must not.
 */
const ownSdk: Plugin = {
  name: 'actorchain-sdk',
  setup(b) {
    b.onResolve({ filter: /^actorchain$/ }, async (args) => {
      if (args.pluginData === ASKING_AGAIN) return undefined;
      const found = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: ASKING_AGAIN });
      return { path: SDK_MODULE, namespace: SDK_NAMESPACE, pluginData: found.errors.length === 0 ? found.path : OWN_SDK };
    });
    b.onLoad({ filter: /.*/, namespace: SDK_NAMESPACE }, async (args) => {
      const file = args.pluginData as string;
      return { contents: await readFile(file, 'utf8'), loader: 'js', resolveDir: dirname(file) };
    });
  },
};

export interface Bundle {
  /** The module, without a source map reference: what is componentized and what the cache key hashes. */
  code: string;
  /** Its source map (JSON), so a throw while loading can be placed in the original source. */
  map: string;
  /** The files bundled (absolute paths, from esbuild's metafile): what `dev` watches. */
  inputs: string[];
}

function describe(messages: Message[], baseDir: string): string {
  return messages.map((m) => (m.location ? located(join(baseDir, m.location.file), m.location.line, m.location.column + 1, m.text) : m.text)).join('\n');
}

// esbuild tells parse errors from resolution errors only by their wording.
const UNRESOLVED = /^Could not resolve /;
/** esbuild's words for an import of one of Node's own modules under platform neutral. */
const NODE_BUILTIN =
  /^Could not resolve "(node:[^"]+|fs|path|crypto|os|http|https|net|child_process|worker_threads|url|util|stream|events|buffer|process|zlib)(\/[^"]*)?"/;

/** Bundle the actor module at `sourcePath` (absolute). */
export async function bundle(sourcePath: string): Promise<Bundle> {
  // Paths in the output (comments, the map) are relative to the source's directory, so the
  // bundle, and with it the cache key, does not depend on where build was run from.
  const baseDir = dirname(sourcePath);
  try {
    // Loaded here, not at start-up: only `build` needs esbuild.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [sourcePath],
      absWorkingDir: baseDir,
      outfile: join(baseDir, 'actor.bundle.js'),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      // componentize-js runs SpiderMonkey: ES2022 syntax needs no lowering.
      target: 'es2022',
      // Packages that ship both forms: prefer their ES module.
      mainFields: ['module', 'main'],
      external: [RUNTIME_MODULE],
      plugins: [ownSdk],
      sourcemap: 'external',
      metafile: true,
      logLevel: 'silent',
      charset: 'utf8',
    });
    // The map's sources are made absolute: the bundle is loaded from a temporary directory.
    const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as { sources: string[] };
    map.sources = map.sources.map((source) => (source.startsWith(`${SDK_NAMESPACE}:`) ? OWN_SDK : resolve(baseDir, source)));
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
    const inputs = Object.keys(result.metafile.inputs)
      .filter((input) => !input.includes(':'))
      .map((input) => resolve(baseDir, input));
    return { code: js.replace(/\/\/# sourceMappingURL=\S+\s*$/, ''), map: JSON.stringify(map), inputs };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!errors) throw err;
    const unresolved = errors.filter((m) => UNRESOLVED.test(m.text));
    const builtins = unresolved.filter((m) => NODE_BUILTIN.test(m.text));
    if (builtins.length > 0) {
      throw new ActorchainError(
        'BUILD_IMPORT_NOT_FOUND',
        `${describe(builtins, baseDir)}\nNode's built-in modules (node:fs, node:crypto, ...) are not available inside an actor: it runs in a ` +
          'WebAssembly sandbox, not in Node. It has the clocks (Date.now, performance.now), random numbers (Math.random, ' +
          "crypto.getRandomValues), and log and send from 'ntwk:simple-actor/runtime'.",
      );
    }
    if (unresolved.length === errors.length) {
      throw new ActorchainError('BUILD_IMPORT_NOT_FOUND', `${describe(unresolved, baseDir)}\nInstall the package (npm install) or fix the path.`);
    }
    throw new ActorchainError(
      'BUILD_SYNTAX_ERROR',
      describe(
        errors.filter((m) => !UNRESOLVED.test(m.text)),
        baseDir,
      ),
    );
  }
}

/**
 * `<bundleName>:line:column` positions in a message about the bundled module (componentize-js
 * names those) rewritten as positions in the source they came from, where the map knows them.
 */
export function toSourcePositions(text: string, bundleName: string, map: string): string {
  const sourceMap = new SourceMap(JSON.parse(map));
  const position = new RegExp(`(?<![\\w-])${bundleName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');
  return text.replace(position, (whole, line: string, column: string) => {
    const entry = sourceMap.findEntry(Number(line) - 1, Math.max(0, Number(column) - 1));
    if (!('originalSource' in entry) || !entry.originalSource) return whole;
    const source = entry.originalSource.startsWith('file:') ? new URL(entry.originalSource).pathname : entry.originalSource;
    return `${displayPath(source)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
