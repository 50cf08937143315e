#!/usr/bin/env node
// Run after tsc by `npm run build`: the files the runtime reads at run time that tsc does not
// emit are copied beside the compiled code, so that the package reads only dist/ (and types/)
// at run time, never src/.
//   src/explorer/page/*.{html,css,svg}  -> dist/src/explorer/page/  (GET /explorer)
//   dist/src/isomorphic/*.js            -> dist/src/explorer/page/  (the modules the page shares with the runtime;
//                                          tsconfig's rootDirs lets the page import them as './<name>.js')
//   src/wit/*.wit                       -> dist/src/wit/            (actorchain build)
//   src/scaffold/template/              -> dist/src/scaffold/template/ (actorchain new)
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = (path) => join(root, 'src', path);
const to = (path) => join(root, 'dist', 'src', path);

for (const [dir, keep] of [
  ['explorer/page', /\.(html|css|svg)$/],
  ['wit', /\.wit$/],
]) {
  mkdirSync(to(dir), { recursive: true });
  for (const name of readdirSync(from(dir)).filter((file) => keep.test(file))) cpSync(join(from(dir), name), join(to(dir), name));
}
for (const name of readdirSync(join(root, 'dist', 'src', 'isomorphic')).filter((file) => /\.js(\.map)?$/.test(file))) {
  cpSync(join(root, 'dist', 'src', 'isomorphic', name), join(to('explorer/page'), name));
}
// Copied whole, and afresh: a file removed from the template must not linger in dist/.
rmSync(to('scaffold/template'), { recursive: true, force: true });
cpSync(from('scaffold/template'), to('scaffold/template'), { recursive: true });
