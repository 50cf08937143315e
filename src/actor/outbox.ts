import type { Logger } from 'pino';
import type { Send } from '../chain/entry.js';
import { canonicalJson } from '../json/canonical.js';

export const SEND_TIMEOUT_MS = 10_000;

export type SendOutcome = 'delivered' | 'failed' | 'not-allowed';

/**
 * Deliver the sends recorded in a committed state entry: POST each message to the target
 * runtime. Best effort: failures are logged with the target and the entry that recorded
 * the send, and never hold up the message loop. Redirects are never followed: the target was
 * checked against --allow-send, and a redirect could lead anywhere.
 */
export function dispatchSends(
  sends: readonly Send[],
  entryHash: string,
  logger: Logger,
  onOutcome: (outcome: SendOutcome) => void = () => {},
): void {
  for (const send of sends) {
    void deliver(send, entryHash, logger).then(onOutcome);
  }
}

async function deliver(send: Send, entryHash: string, logger: Logger): Promise<SendOutcome> {
  const context = { to: send.to, entry: entryHash };
  try {
    const url = new URL(send.to);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: canonicalJson(send.message),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      redirect: 'manual',
    });
    await response.arrayBuffer();
    if (response.status >= 300 && response.status < 400) throw new Error(`the target answered ${response.status}, a redirect, which is not followed`);
    if (!response.ok) throw new Error(`the target answered ${response.status}`);
    logger.info({ ...context, status: response.status }, 'send delivered');
    return 'delivered';
  } catch (err) {
    logger.warn({ ...context, err: (err as Error).message }, 'send not delivered');
    return 'failed';
  }
}
