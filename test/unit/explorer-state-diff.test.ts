/** The explorer shows a state as what changed against the state before: added, removed and changed paths. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stateDiff } from '../../src/explorer/page/state-diff.js';

test('changes are listed by path, into objects and arrays', () => {
  const before = { count: 1, owner: { name: 'ada', tags: ['a', 'b'] }, gone: true, 'odd key': 1 };
  const after = { count: 2, owner: { name: 'ada', tags: ['a', 'c', 'd'] }, added: { x: 1 }, 'odd key': 1 };
  assert.deepEqual(stateDiff(before, after), [
    { kind: 'added', path: 'added', after: { x: 1 } },
    { kind: 'changed', path: 'count', before: 1, after: 2 },
    { kind: 'removed', path: 'gone', before: true },
    { kind: 'changed', path: 'owner.tags[1]', before: 'b', after: 'c' },
    { kind: 'added', path: 'owner.tags[2]', after: 'd' },
  ]);
});

test('keys that are not identifiers are quoted; a change of type or of the whole value is one change', () => {
  assert.deepEqual(stateDiff({ 'a b': 1 }, { 'a b': 2 }), [{ kind: 'changed', path: '["a b"]', before: 1, after: 2 }]);
  assert.deepEqual(stateDiff({ v: [1] }, { v: { 0: 1 } }), [{ kind: 'changed', path: 'v', before: [1], after: { 0: 1 } }]);
  assert.deepEqual(stateDiff(1, 'one'), [{ kind: 'changed', path: '', before: 1, after: 'one' }]);
  assert.deepEqual(stateDiff({ same: [1, { x: null }] }, { same: [1, { x: null }] }), []);
});
