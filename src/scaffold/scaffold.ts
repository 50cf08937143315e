/**
 * `actorchain new <dir>`: a new actor project from template/ (a typed actor, its test, a
 * tsconfig and a README), depending on this installation of actorchain through a `file:`
 * reference, so it installs without a registry release.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActorchainError, fsReason } from '../errors.js';
import { makeDirs } from '../make-dirs.js';

/** This installation's package root (dist/src/scaffold/ is three levels down). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
/** The template as `npm run build` copied it beside this module (scripts/copy-assets.mjs). */
const TEMPLATE = fileURLToPath(new URL('./template', import.meta.url));

/** npm publishes no .gitignore, so the template holds it under another name. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

/** A valid npm package name from a directory name. */
function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name || 'actor';
}

function packageJson(name: string): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      build: 'actorchain build src/actor.ts -o dist/actor.wasm',
      start: 'actorchain dev src/actor.ts -o dist/actor.wasm --data-dir actor.actorchain',
      test: 'node --test test/actor.test.mjs',
    },
    dependencies: { actorchain: `file:${PACKAGE_ROOT}` },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  if (!(await stat(dir)).isDirectory()) return false;
  return (await readdir(dir)).length === 0;
}

/** Writes the project into `dir` (created; must be new or empty). Returns the files written. */
export async function scaffold(dir: string): Promise<string[]> {
  const root = resolve(dir);
  if (!(await isEmptyOrAbsent(root))) {
    throw new ActorchainError('SCAFFOLD_DIR_NOT_EMPTY', `${dir} already exists and is not an empty directory: give a new directory`);
  }
  const name = packageName(root);
  const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  const values: Record<string, string> = { name, actorchainRoot: PACKAGE_ROOT, actorchainVersion: version };
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? `{{${key}}}`);

  const written = ['package.json'];
  try {
    await makeDirs(root);
    await writeFile(join(root, 'package.json'), packageJson(name));
  } catch (err) {
    throw new ActorchainError('SCAFFOLD_CANNOT_WRITE', `${dir} cannot be made or written (${fsReason(err)}): give a directory you can write`, { cause: err });
  }
  const entries = await readdir(TEMPLATE, { recursive: true, withFileTypes: true });
  for (const entry of entries.filter((e) => e.isFile())) {
    const from = join(entry.parentPath ?? entry.path, entry.name);
    const relative = from.slice(TEMPLATE.length + 1);
    const to = join(dirname(relative), RENAMED[entry.name] ?? entry.name);
    await mkdir(join(root, dirname(to)), { recursive: true });
    await writeFile(join(root, to), fill(await readFile(from, 'utf8')));
    written.push(to);
  }
  return written.sort();
}
