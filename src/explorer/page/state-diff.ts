/** What changed between two JSON values, as paths: the view of a state entry against the one before. */
export interface StateChange {
  kind: 'added' | 'removed' | 'changed';
  /** `count`, `items[2].name`, `["odd key"]`; empty for the whole value. */
  path: string;
  before?: unknown;
  after?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Changes from `before` to `after`, descending into objects and arrays, in key order. */
export function stateDiff(before: unknown, after: unknown, path = ''): StateChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key): StateChange[] => {
      if (!(key in after)) return [{ kind: 'removed', path: child(path, key), before: before[key] }];
      if (!(key in before)) return [{ kind: 'added', path: child(path, key), after: after[key] }];
      return stateDiff(before[key], after[key], child(path, key));
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: StateChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) changes.push({ kind: 'removed', path: child(path, i), before: before[i] });
      else if (i >= before.length) changes.push({ kind: 'added', path: child(path, i), after: after[i] });
      else changes.push(...stateDiff(before[i], after[i], child(path, i)));
    }
    return changes;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ kind: 'changed', path, before, after }];
}
