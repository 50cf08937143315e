import type { Logger } from 'pino';
import type { Send } from '../chain/entry.js';
import { canonicalJson } from '../json/canonical.js';

export const SEND_TIMEOUT_MS = 10_000;

/**
 * Deliver the sends recorded in a committed state entry: POST each message to the target
 * runtime. Best effort: failures are logged with the target and the entry that recorded
 * the send, and never hold up the message loop.
 */
export function dispatchSends(sends: readonly Send[], entryHash: string, logger: Logger): void {
  for (const send of sends) {
    void deliver(send, entryHash, logger);
  }
}

async function deliver(send: Send, entryHash: string, logger: Logger): Promise<void> {
  const context = { to: send.to, entry: entryHash };
  try {
    const url = new URL(send.to);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: canonicalJson(send.message),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`the target answered ${response.status}`);
    logger.info({ ...context, status: response.status }, 'send delivered');
  } catch (err) {
    logger.warn({ ...context, err: (err as Error).message }, 'send not delivered');
  }
}
