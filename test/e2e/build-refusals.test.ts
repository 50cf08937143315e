import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { build, BUILD_TIMEOUT_MS, fileTempDir } from '../support/build.js';

// Every refusal but the last happens before componentize-js runs: those builds take about a second.
const dir = fileTempDir();

const COMPLETE = 'init: () => "{}", handle: (m, s) => s, stateContract: () => true, messageContract: () => true';

async function refused(file: string, source: string | undefined, args: string[] = [], env?: Record<string, string>) {
  if (source !== undefined) writeFileSync(path.join(dir, file), source);
  const result = await build([file, ...args], dir, env);
  assert.equal(result.code, 1, `build ${file} should fail:\n${result.stdout}${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.equal(result.stdout, '');
  return result.stderr;
}

test('a source that does not exist is refused', async () => {
  const stderr = await refused('nowhere.ts', undefined);
  assert.match(stderr, /^actorchain: BUILD_SOURCE_NOT_FOUND: nowhere\.ts does not exist/);
});

test('a syntax error is refused with file, line and column', async () => {
  writeFileSync(path.join(dir, 'helper.js'), 'export const twice = (x) => x * 2;\nexport const broken = (x => ;\n');
  const stderr = await refused('syntax.js', `import { twice } from './helper.js';\nexport const actor = { ${COMPLETE} };\n`);
  assert.match(stderr, /^actorchain: BUILD_SYNTAX_ERROR: helper\.js:2:29: Unexpected ";"/);
});

test('an import that cannot be found is refused, naming it', async () => {
  const stderr = await refused('unresolved.js', `import pad from 'left-pad-nowhere';\nexport const actor = { ${COMPLETE} };\n`);
  assert.match(stderr, /^actorchain: BUILD_IMPORT_NOT_FOUND: unresolved\.js:1:17: Could not resolve "left-pad-nowhere"/);
});

test("an import of one of Node's built-in modules says that an actor has none, and what it has", async () => {
  const stderr = await refused('builtin.js', `import { readFileSync } from 'node:fs';\nexport const actor = { ${COMPLETE} };\n`);
  assert.match(stderr, /^actorchain: BUILD_IMPORT_NOT_FOUND: builtin\.js:1:30: Could not resolve "node:fs"/);
  assert.match(stderr, /Node's built-in modules .* are not available inside an actor/);
  assert.match(stderr, /Date\.now.*Math\.random.*log and send/s);
  assert.doesNotMatch(stderr, /npm install/);
});

test('a migration exported two ways, or a top-level migrate that is no function, is refused saying how to export it', async () => {
  const both = await refused(
    'both.js',
    `export const actor = { ${COMPLETE} };\nexport const migration = { migrate: (s) => s };\nexport function migrate(s) { return s; }\n`,
  );
  assert.match(both, /^actorchain: BUILD_EXPORTS_CONFLICT: both\.js exports both `migration` and a top-level `migrate`: export one of them/);
  const notFunction = await refused('not-function.js', `export const actor = { ${COMPLETE} };\nexport const migrate = 42;\n`);
  assert.match(notFunction, /^actorchain: BUILD_MISSING_EXPORTS: the migration not-function\.js exports is not a function: export `export function migrate\(state\)/);
});

test('a type error is refused with file, line and message; --no-check skips the check', async () => {
  const source = `import { log } from 'ntwk:simple-actor/runtime';\nlog(42);\nexport const nothing = 1;\n`;
  const stderr = await refused('typed.ts', source);
  assert.match(stderr, /^actorchain: BUILD_TYPE_ERROR: typed\.ts:2:5: Argument of type 'number' is not assignable to parameter of type 'string'\./);
  // Without the check the build goes on, to the next refusal: this module has no actor.
  assert.match(await refused('typed.ts', undefined, ['--no-check']), /^actorchain: BUILD_MISSING_EXPORTS: /);
});

test('a whole actor with a type error: the check, beside componentize-js, stops it, and nothing is written', async () => {
  const source = [
    "import { log } from 'ntwk:simple-actor/runtime';",
    'export const actor = {',
    "  init: (): string => '{}',",
    '  handle: (m: string, s: string): string => {',
    '    log(m.length);',
    '    return s;',
    '  },',
    '  stateContract: (): boolean => true,',
    '  messageContract: (): boolean => true,',
    '};',
    '',
  ].join('\n');
  const stderr = await refused('whole.ts', source);
  assert.match(stderr, /^actorchain: BUILD_TYPE_ERROR: whole\.ts:5:9: Argument of type 'number' is not assignable to parameter of type 'string'\./);
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.startsWith('whole') && name !== 'whole.ts'),
    [],
    'no component, record or partial file',
  );
});

test('an output that cannot be written, or a temporary directory that cannot, is refused before componentize-js, naming it', async () => {
  const source = `export const actor = { ${COMPLETE} };\n`;
  writeFileSync(path.join(dir, 'a-file'), '');
  const inFile = await refused('writable.js', source, ['-o', 'a-file/out.wasm']);
  assert.match(inFile, /^actorchain: BUILD_CANNOT_WRITE: a-file\/out\.wasm cannot be written \(ENOTDIR\): give -o a file in a folder you can write\n$/);
  mkdirSync(path.join(dir, 'a-folder'));
  assert.match(await refused('writable.js', undefined, ['-o', 'a-folder']), /^actorchain: BUILD_CANNOT_WRITE: a-folder cannot be written \(EISDIR\)/);
  const noTmp = path.join(dir, 'no-such-tmp');
  const tmp = await refused('writable.js', undefined, [], { TMPDIR: noTmp });
  assert.equal(tmp, `actorchain: BUILD_CANNOT_WRITE: cannot make a folder in the temporary directory ${noTmp} (ENOENT): set TMPDIR to a folder you can write\n`);
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.startsWith('writable') && name !== 'writable.js'),
    [],
    'no component, record or partial file',
  );
});

test('a module without `actor` is refused, listing what it does export', async () => {
  const stderr = await refused('no-actor.js', 'export const counter = {};\nexport default 1;\n');
  assert.match(stderr, /^actorchain: BUILD_MISSING_EXPORTS: no-actor\.js does not export `actor` \(its exports: counter, default\)/);
});

test('an actor without one of its four functions is refused, naming the missing ones', async () => {
  const stderr = await refused('partial.js', 'export const actor = { init: () => "{}", handle: (m, s) => s, stateContract: true };\n');
  assert.match(stderr, /^actorchain: BUILD_MISSING_EXPORTS: `actor` in partial\.js lacks stateContract, messageContract:/);
});

test('a module that throws while loading is refused with the error and where it was thrown', async () => {
  const source = `const limits = JSON.parse('{"max": 10');\nexport const actor = { ${COMPLETE} };\n`;
  const stderr = await refused('throws.js', source);
  assert.match(stderr, /^actorchain: BUILD_LOAD_FAILED: throws\.js threw while loading \(at throws\.js:1:21\): SyntaxError: /);
});

test("what componentize-js' engine rejects is refused with positions in the source, not in the bundle", { timeout: BUILD_TIMEOUT_MS }, async () => {
  // SpiderMonkey in componentize-js has no Unicode property escapes; Node (and the probe) do.
  writeFileSync(path.join(dir, 'words.js'), 'export const isWord = (s) => /^\\p{L}+$/u.test(s);\n');
  const source = `import { isWord } from './words.js';\nexport const actor = { ${COMPLETE.replace('messageContract: () => true', 'messageContract: (m) => isWord(m)')} };\n`;
  const stderr = await refused('unicode.js', source);
  assert.match(stderr, /^actorchain: BUILD_COMPONENTIZE_FAILED: componentize-js failed: /);
  assert.match(stderr, /^words\.js:1:30 SyntaxError: invalid property name in regular expression/m);
});
