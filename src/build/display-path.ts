/** How build names files in its messages. */
import { isAbsolute, relative } from 'node:path';

/** A path as the user would type it: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** `file:line:column: text`, the form editors and terminals turn into links. */
export function located(file: string, line: number, column: number, text: string): string {
  return `${displayPath(file)}:${line}:${column}: ${text}`;
}
