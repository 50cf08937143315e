/**
 * One delivery of one send: a POST of the message to its target, carrying the key the
 * target uses to apply it at most once. A single attempt is classified here; retrying is
 * the outbox's business.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Send } from '../chain/entry.js';
import { canonicalJson } from '../json/canonical.js';
import { deliverySignatureHeaders, type DeliverySigner } from '../http/message-signature.js';

/** Bound on one attempt, answer included. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
const SHOWN_BODY_CHARS = 200;

export interface Delivery {
  to: string;
  /** Hash of the state entry that recorded the send. */
  entry: string;
  /** Position of the send among that entry's sends. */
  index: number;
  /** The message's canonical JSON text: the body of every attempt. */
  body: string;
}

export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  /** The target may take it later: no answer, a 5xx, 408, 429, a redirect. */
  | { kind: 'retry'; reason: string }
  /** The target will never take it: a 4xx other than 408 and 429, or a `to` that is not an http(s) URL. */
  | { kind: 'give-up'; reason: string };

export function deliveryOf(entry: string, send: Send, index: number): Delivery {
  return { to: send.to, entry, index, body: canonicalJson(send.message) };
}

/** `<state entry hash>/<index of the send in that entry>`: unique to one send of one chain. */
export function idempotencyKeyOf(delivery: Delivery): string {
  return `${delivery.entry}/${delivery.index}`;
}

/** Sockets one origin may hold (the outbox delivers to an origin one at a time: a bound, not a target). */
export const MAX_SOCKETS_PER_ORIGIN = 16;
/** Sockets all origins together may hold, idle ones included (an outbox's: each runtime has its own). */
export const MAX_SOCKETS_TOTAL = 256;
/** An idle kept-alive socket is closed after this long, so idle ones give way to other origins. */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

// Kept-alive connections: a backlog to one origin goes over one socket. node:http rather
// than fetch: a delivery costs a quarter of the CPU (bench/outbox.ts), and it never follows
// a redirect, which would send the message somewhere the chain does not name.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN, maxTotalSockets: MAX_SOCKETS_TOTAL, timeout: IDLE_SOCKET_TIMEOUT_MS };

/**
 * One outbox's connections: its own pool, so that runtimes started in one process
 * (createRuntime) do not share the bounds above, and closing one closes its kept-alive sockets.
 */
export class DeliveryAgents {
  readonly #agents = { 'http:': new HttpAgent(AGENT_OPTIONS), 'https:': new HttpsAgent(AGENT_OPTIONS) } as const;

  for(url: URL): HttpAgent {
    return url.protocol === 'https:' ? this.#agents['https:'] : this.#agents['http:'];
  }

  destroy(): void {
    this.#agents['http:'].destroy();
    this.#agents['https:'].destroy();
  }
}

interface Answer {
  status: number;
  /** The start of the body, for the log. */
  text: string;
}

/** The target URI a request to `url` has (RFC 9421 @target-uri): what the receiver rebuilds from Host and path, no fragment. */
export function targetUriOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search}`;
}

function post(url: URL, delivery: Delivery, signal: AbortSignal, agent: HttpAgent, token: string | undefined, signer: DeliverySigner | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const key = idempotencyKeyOf(delivery);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(delivery.body),
      'idempotency-key': key,
    };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    // Signed at each attempt, so `created` is always fresh for the receiver's clock check.
    if (signer !== undefined) Object.assign(headers, deliverySignatureHeaders(signer, { targetUri: targetUriOf(url), key, body: delivery.body }));
    const request = send(url, { method: 'POST', headers, agent, signal }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < SHOWN_BODY_CHARS) text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode!, text: text.slice(0, SHOWN_BODY_CHARS) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(delivery.body);
  });
}

/**
 * One attempt over `agents`' connections; `tokens` are the bearer tokens by target origin
 * (--send-token); `signer`, the runtime's identity, signs the delivery (RFC 9421) so its
 * receiver can tell it is this runtime's.
 */
export async function attemptDelivery(
  delivery: Delivery,
  stop: AbortSignal,
  agents: DeliveryAgents,
  { tokens, signer, timeoutMs = DEFAULT_SEND_TIMEOUT_MS }: { tokens?: ReadonlyMap<string, string>; signer?: DeliverySigner; timeoutMs?: number } = {},
): Promise<AttemptOutcome> {
  let url: URL;
  try {
    url = new URL(delivery.to);
  } catch {
    return { kind: 'give-up', reason: 'the target is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'give-up', reason: `unsupported protocol ${url.protocol}` };

  const attempt = new AbortController();
  const abort = () => attempt.abort();
  const timer = setTimeout(abort, timeoutMs);
  stop.addEventListener('abort', abort, { once: true });
  try {
    const { status, text } = await post(url, delivery, attempt.signal, agents.for(url), tokens?.get(url.origin), signer);
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    const answer = `the target answered ${status}${text ? `: ${text}` : ''}`;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'give-up', reason: answer };
    return { kind: 'retry', reason: answer };
  } catch (err) {
    const reason = attempt.signal.aborted && !stop.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message;
    return { kind: 'retry', reason };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', abort);
  }
}
