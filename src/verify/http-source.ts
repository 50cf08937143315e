/**
 * A running runtime's chain, read through GET /chain pages. The runtime's word is not
 * taken for anything: each entry's hash is recomputed from its {parent, data}.
 */
import { ChainChecker, type EntryGroup } from '../chain/check.js';
import type { ChainPage } from '../chain/chain.js';
import { ActorchainError } from '../errors.js';
import { canonicalOfParsed } from '../json/canonical.js';

export const PAGE_LIMIT = 10_000;

export interface HttpReaderOptions {
  componentHash?: string;
  onProgress?: (doneEntries: number, totalEntries: number) => void;
}

/**
 * What a request to a runtime carries: its token, for one started with --token-reads.
 * verify, inspect and mirror take it from --token or ACTORCHAIN_TOKEN, kept in the
 * environment so that the worker threads reading the runtime (each has a copy) send it too.
 */
export function readHeaders(): Record<string, string> {
  const token = process.env.ACTORCHAIN_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A GET of a runtime that failed: why, its status if the runtime answered, and whether asking again may help. */
export class HttpGetError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retry: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * GET `url` as JSON, with the read token (readHeaders) and, given `timeoutMs`, a time limit:
 * the one request every reader of a runtime makes (verify <url>, verify --follow, mirror,
 * receipt check). Throws HttpGetError.
 */
export async function fetchJson<T>(url: URL, timeoutMs?: number): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: readHeaders(), ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }) });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND) is its cause.
    const reason =
      (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (((err as Error).cause as Error | undefined)?.message ?? (err as Error).message);
    throw new HttpGetError(`cannot reach ${url.origin}: ${reason}`, undefined, true, { cause: err });
  }
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new HttpGetError(`GET ${url.pathname}${url.search} answered ${response.status}: ${body}`, response.status, response.status >= 500 || response.status === 429);
  }
  try {
    return (await response.json()) as T;
  } catch (err) {
    throw new HttpGetError(`GET ${url.pathname}${url.search} did not answer JSON: ${(err as Error).message}`, response.status, true);
  }
}

/** fetchJson for a one-off read (verify <url>, receipt check): a failure is CHAIN_SOURCE_UNREADABLE, a 401 says which token to give. */
export async function getJson<T>(url: URL): Promise<T> {
  try {
    return await fetchJson<T>(url);
  } catch (err) {
    if (!(err instanceof HttpGetError)) throw err;
    if (err.status === 401) {
      const fix = process.env.ACTORCHAIN_TOKEN
        ? "the token given (--token or ACTORCHAIN_TOKEN) is not the runtime's: give the one it was started with"
        : 'the runtime reads only with its token (--token-reads): give it with ACTORCHAIN_TOKEN=<token> (or --token <token>, which shows in ps)';
      throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `GET ${url.pathname}${url.search} answered 401: ${fix}`);
    }
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', err.message, { cause: err.cause ?? err });
  }
}

/** `path` resolved against the runtime's base URL (which may itself have a path). */
export function endpoint(base: string, path: string): URL {
  return new URL(path, base.endsWith('/') ? base : `${base}/`);
}

export class HttpChainReader {
  readonly unit = 'entry' as const;
  readonly tail = undefined;
  readonly #base: string;
  readonly #options: HttpReaderOptions;

  constructor(base: string, options: HttpReaderOptions = {}) {
    this.#base = base;
    this.#options = options;
  }

  async *groups(): AsyncGenerator<EntryGroup> {
    const checker = new ChainChecker({ componentHash: this.#options.componentHash, unit: 'entry' });
    const { length } = await getJson<{ length: number }>(endpoint(this.#base, 'head'));
    let next: Promise<ChainPage> | undefined = this.#page(undefined);
    while (next) {
      const page: ChainPage = await next;
      // Fetch the next page while this one is checked and replayed.
      next = page.next === null ? undefined : this.#page(page.next);
      for (const { hash, parent, data } of page.entries) {
        const entry = { data, parent };
        const group = checker.accept(canonicalOfParsed(entry), entry, hash, true);
        if (group) yield group;
      }
      this.#options.onProgress?.(checker.count, Math.max(length, checker.count));
    }
    // A runtime moves HEAD by whole groups, so its pages never end inside one.
    const pending = checker.pending;
    if (pending) {
      throw new ActorchainError('CHAIN_CORRUPT', `${checker.where(pending.position)} (hash ${pending.hash}) is a ${pending.kind} entry with no state after it`);
    }
  }

  #page(after: string | undefined): Promise<ChainPage> {
    const url = endpoint(this.#base, 'chain');
    url.searchParams.set('limit', String(PAGE_LIMIT));
    if (after !== undefined) url.searchParams.set('after', after);
    const page = getJson<ChainPage>(url);
    // Prefetched pages may fail while nobody awaits them yet; the failure is seen when awaited.
    page.catch(() => {});
    return page;
  }
}
