/**
 * --send-token: deliveries to a receiver that runs with --token carry its bearer token, and only
 * to the origin it is given for. Real runtimes: the ledger fixture sends, echo receives. They run
 * in this process (the API), but for the sender given ACTORCHAIN_SEND_TOKEN (the variable the CLI
 * reads as --send-token) and the flag's checks (the CLI's exit and stderr).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';
import { metric, startSender, waitFor } from '../support/outbox.js';
import { getJson, postJson, runCli } from '../support/runtime.js';

const SECRET = 'receiver-secret-1';

test('a sender with --send-token delivers to a --token receiver; without it the delivery is refused (401) and given up', async (t) => {
  const receiver = await startInProcess(t, await buildFixture('echo'), { token: SECRET });
  const origin = new URL(receiver.url).origin;
  const ledger = await buildFixture('ledger');

  const withToken = await startSender(t, ledger, [receiver.url], [], { env: { ACTORCHAIN_SEND_TOKEN: `${origin}=${SECRET}` } });
  const sent = await postJson(withToken.url, { send: [{ to: `${receiver.url}/`, message: { from: 'with-token' } }] });
  assert.equal(sent.status, 200);
  await waitFor('the delivery', async () => ((await metric(withToken.url, 'actorchain_sends_total{outcome="delivered"}')) === 1 ? true : undefined));
  assert.deepEqual((await getJson(`${receiver.url}/state`)).body.state, { from: 'with-token' });
  const started = withToken.logs.find((l) => Array.isArray(l.sendTokens));
  assert.deepEqual(started?.sendTokens, [origin], 'the log names the origin, never the secret');
  assert.ok(!JSON.stringify(withToken.logs).includes(SECRET), 'the secret is not logged');

  const without = await startInProcess(t, ledger, { allowSend: [origin] });
  assert.equal((await postJson(without.url, { send: [{ to: `${receiver.url}/`, message: { from: 'without' } }] })).status, 200);
  const log = await waitFor('the give-up', async () => without.logs.find((l) => l.msg === 'send given up: the target refuses it for good'));
  assert.match(String(log.err), /401/);
  assert.deepEqual((await getJson(`${receiver.url}/state`)).body.state, { from: 'with-token' }, 'nothing more was applied');
});

test('--send-token is checked: origin=secret, for an origin --allow-send allows, one secret per origin', async () => {
  const echo = await buildFixture('echo');
  const cases: Array<[string[], RegExp]> = [
    [['--send-token', 'http://peer:8080=TOPSECRET'], /--send-token gives a token for http:\/\/peer:8080, which send may not reach: add --allow-send http:\/\/peer:8080/],
    [['--allow-send', 'http://peer:8080', '--send-token', 'http://peer:8080'], /--send-token takes origin=secret/],
    [['--allow-send', 'http://peer:8080', '--send-token', 'peer:8080=TOPSECRET'], /--send-token takes origin=secret, with an origin/],
    [['--allow-send', 'http://peer:8080', '--send-token', 'http://peer:8080= TOPSECRET'], /printable ASCII without spaces around it/],
    [['--allow-send', 'http://peer:8080', '--send-token', 'http://peer:8080=TOPSECRET,http://PEER:8080=OTHERSECRET'], /gives two tokens for http:\/\/peer:8080/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(['run', echo, '--in-memory', ...args]);
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, /^actorchain: INVALID_OPTION: /);
    assert.match(result.stderr, expected);
    assert.ok(!/TOPSECRET|OTHERSECRET/.test(result.stderr), `no secret in the error: ${result.stderr}`);
  }
});
