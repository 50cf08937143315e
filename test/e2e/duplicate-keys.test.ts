import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { findDuplicateKey } from '../../src/json/duplicate-keys.js';
import { fetchChain, getJson, postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

test('the scanner finds a repeated name at any depth, after unescaping, and nothing else', () => {
  assert.deepEqual(findDuplicateKey('{"a":1,"a":2}'), { name: 'a', pointer: '' });
  assert.deepEqual(findDuplicateKey('{"x":[0,{"b":{"c":1,"c":1}}]}'), { name: 'c', pointer: '/x/1/b' });
  assert.deepEqual(findDuplicateKey('{"a":1,"\\u0061":2}'), { name: 'a', pointer: '' });
  assert.deepEqual(findDuplicateKey('{"a/b~":{"k":1,"k":2}}'), { name: 'k', pointer: '/a~1b~0' });
  assert.deepEqual(findDuplicateKey('{"q\\"":{"\\"":1,"\\"":2}}'), { name: '"', pointer: '/q"' });
  for (const unique of [
    '{"a":1,"b":{"a":1}}',
    '[{"a":1},{"a":2}]',
    '{"a":"a","b":"a"}',
    '{"a":["a","a"]}',
    '{"a,":"{\\"a\\":1,\\"a\\":2}","b":1}',
    '{"A":1,"a":1}',
    '{}',
    `{"deep":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
  ]) {
    assert.equal(findDuplicateKey(unique), undefined, unique.slice(0, 60));
  }
});

test('POST / refuses a body with a duplicate member name with 400 DUPLICATE_KEY, and commits nothing', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const before = (await getJson(`${runtime.url}/head`)).body;
  for (const [body, where] of [
    ['{"amount":1,"amount":1000}', /the message has the member "amount" more than once/],
    ['{"to":{"id":"a","id":"b"}}', /the object at \/to has the member "id"/],
    ['{"list":[{},{"k":1,"k":1}]}', /the object at \/list\/1 has the member "k"/],
    ['{"a":1,"\\u0061":2}', /the message has the member "a"/],
  ] as const) {
    const reply = await postJson(runtime.url, body);
    assert.equal(reply.status, 400, body);
    assert.equal(reply.body.error.code, 'DUPLICATE_KEY', body);
    assert.match(reply.body.error.message, where);
  }
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, before);

  const same = await postJson(runtime.url, '{"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]}');
  assert.equal(same.status, 200, 'the same name in different objects is fine');
  assert.deepEqual((await fetchChain(runtime.url)).entries[2]!.data, { message: { a: { k: 1 }, b: { k: 1 }, c: [{ k: 1 }, { k: 2 }] } });
});
