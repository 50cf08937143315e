/**
 * GET /explorer serves the page and its files from the package, under a policy that lets
 * the page load and talk to nothing but its own runtime.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';

test('the explorer page and its files are served with a self-only Content-Security-Policy', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const page = await fetch(`${runtime.url}/explorer`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  const csp = page.headers.get('content-security-policy')!;
  assert.match(csp, /^default-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe|\*|https?:/, 'no inline code, no other origin');
  const html = await page.text();
  assert.match(html, /<form id="post"/);

  const files = [...new Set([...html.matchAll(/(?:src|href)="(explorer\/[^"]+)"/g)].map((match) => match[1]!))];
  assert.deepEqual(files.sort(), ['explorer/explorer.css', 'explorer/favicon.svg', 'explorer/main.js']);
  for (const [file, type] of [
    ['explorer.css', /^text\/css/],
    ['favicon.svg', /^image\/svg\+xml/],
    ['main.js', /javascript/],
    ['canonical-json.js', /javascript/],
  ] as const) {
    const response = await fetch(`${runtime.url}/explorer/${file}`);
    assert.equal(response.status, 200, file);
    assert.match(response.headers.get('content-type')!, type, file);
  }
  // main.js imports its modules relatively: every one of them is served too.
  const main = await (await fetch(`${runtime.url}/explorer/main.js`)).text();
  for (const [, module] of main.matchAll(/from '\.\/([^']+)'/g)) {
    assert.equal((await fetch(`${runtime.url}/explorer/${module}`)).status, 200, module);
  }
});

test('/explorer/ redirects to /explorer, other methods are 405 and unknown files 404', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const slash = await fetch(`${runtime.url}/explorer/`, { redirect: 'manual' });
  assert.equal(slash.status, 301);
  assert.equal(new URL(slash.headers.get('location')!, `${runtime.url}/explorer/`).href, `${runtime.url}/explorer`);
  const post = await fetch(`${runtime.url}/explorer`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const missing = await fetch(`${runtime.url}/explorer/nothing.js`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  assert.equal((await fetch(`${runtime.url}/explorer/..%2f..%2froute.js`)).status, 404);
});
