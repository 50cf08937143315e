/**
 * The last handler of the app: a route of the API asked with another method is 405 with Allow;
 * one asked with a method it takes, on a server that does not serve it, is 404 (a 405 would
 * tell the client to use the very method it used).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'express';
import { notInApi } from '../../src/http/answers.js';
import { ActorchainError } from '../../src/errors.js';

function answer(method: string, path: string): ActorchainError {
  try {
    notInApi()({ method, path } as Request, undefined as never, () => {});
  } catch (err) {
    return err as ActorchainError;
  }
  assert.fail(`${method} ${path} was let through`);
}

test('another method on a route of the API is 405 with Allow', () => {
  for (const path of ['/component', '/component/abc', '/chain/abc']) {
    const err = answer('POST', path);
    assert.equal(err.code, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(err.headers, { Allow: 'GET, HEAD' });
  }
  assert.equal(answer('GET', '/upgrade').code, 'METHOD_NOT_ALLOWED');
});

test('a method the route takes, on a server that does not serve it, is 404 and does not contradict itself', () => {
  for (const [method, path] of [
    ['GET', '/component'],
    ['HEAD', '/component/abc'],
    ['POST', '/upgrade'],
  ] as const) {
    const err = answer(method, path);
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.message, `${method} ${path} is not served here`);
  }
  assert.equal(answer('GET', '/nowhere').code, 'NOT_FOUND');
});
