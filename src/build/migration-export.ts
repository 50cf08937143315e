/**
 * Which migration a bundled module exports, read from the one `export { … }` clause esbuild
 * ends an ES module with. Two forms are taken:
 *
 *   export const migration = { migrate(state) { … } };     the WIT interface's own shape
 *   export function migrate(state) { … }                   a top-level migrate (or
 *   export const migrate = defineMigration((old) => …);    the SDK's typed one)
 *
 * componentize-js exports a WIT interface from a module export of its name, so a top-level
 * `migrate` is given `migration` beside it, added to the bundle (the same source gives the same
 * bundle, so builds stay reproducible). Exporting both is refused: one would be ignored.
 */
import { ActorchainError } from '../errors.js';

const EXPORT_CLAUSE = /\bexport\s*\{([^}]*)\}\s*;?\s*(?:\/\/[^\n]*\s*)*$/;
const ADDED = 'actorchain$migration';

/** The export clause's items: exported name → local name. */
function exportsOf(code: string): { clause: RegExpExecArray | null; names: Map<string, string> } {
  const clause = EXPORT_CLAUSE.exec(code);
  const names = new Map<string, string>();
  for (const item of clause?.[1]!.split(',') ?? []) {
    const [local, exported = local] = item.trim().split(/\s+as\s+/);
    if (local) names.set(exported!, local);
  }
  return { clause, names };
}

/**
 * The bundle to componentize, and whether it exports `migration` (then the component is built
 * for the world with the migration export; the probe checks that it holds `migrate`).
 */
export function withMigrationExport(code: string, source: string): { code: string; migration: boolean } {
  const { clause, names } = exportsOf(code);
  const topLevel = names.get('migrate');
  if (names.has('migration') && topLevel !== undefined) {
    throw new ActorchainError(
      'BUILD_EXPORTS_CONFLICT',
      `${source} exports both \`migration\` and a top-level \`migrate\`: export one of them (\`export const migration = { migrate }\` or \`export function migrate(state)\`)`,
    );
  }
  if (topLevel === undefined || clause === null) return { code, migration: names.has('migration') };
  // A function, or the `{ migrate }` defineMigration returns.
  const added = `const ${ADDED} = { migrate: typeof ${topLevel} === 'function' ? ${topLevel} : Object(${topLevel}).migrate };`;
  const items = `${clause[1]!.replace(/,?\s*$/, '')},\n  ${ADDED} as migration\n`;
  const close = code.indexOf('}', clause.index);
  return { code: `${code.slice(0, clause.index)}${added} export {${items}}${code.slice(close + 1)}`, migration: true };
}
