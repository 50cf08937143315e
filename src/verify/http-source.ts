/**
 * A running runtime's chain, read through GET /chain pages. The runtime's word is not
 * taken for anything: each entry's hash is recomputed from its {parent, data}.
 */
import { ChainChecker, type CheckedEntry, type EntryGroup } from '../chain/check.js';
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

/**
 * A runtime's chain as GET /chain pages, checked as they come: every entry is re-hashed from
 * its {parent, data} (the hash the page lists must match) and held to the entry before by one
 * ChainChecker, which carries on across pages. verify <url> reads it from genesis once;
 * verify --follow and mirror (follow.ts) from where their own copy ends, for ever, and ask it
 * whether a page shows the runtime has forked.
 */
export class ChainPages {
  readonly checker: ChainChecker;
  readonly #base: string;
  /** The end of the last whole group accepted. */
  #end: CheckedEntry | undefined;

  /** `after`: the last entry of a whole group already checked (none: from genesis). */
  constructor(base: string, options: { componentHash?: string; after?: CheckedEntry } = {}) {
    this.#base = base;
    this.#end = options.after;
    this.checker = new ChainChecker({ componentHash: options.componentHash, unit: 'entry', after: options.after });
  }

  /** The last whole group's end: what has been checked here. */
  get end(): CheckedEntry | undefined {
    return this.#end;
  }

  /** The last entry accepted: the end of the last group, or a message whose state is on the next page. */
  get cursor(): CheckedEntry | undefined {
    return this.checker.pending ?? this.#end;
  }

  /** GET /chain of the entries after `after` (from genesis: none), holding the request up to `waitSeconds` for new ones. */
  url(after: string | undefined, waitSeconds = 0): URL {
    const url = endpoint(this.#base, 'chain');
    url.searchParams.set('limit', String(PAGE_LIMIT));
    if (after !== undefined) url.searchParams.set('after', after);
    if (waitSeconds > 0) url.searchParams.set('wait', String(waitSeconds));
    return url;
  }

  /** The groups the page's entries complete, each entry checked; throws CHAIN_CORRUPT / CHAIN_COMPONENT_MISMATCH at the first bad one. */
  *groups(page: ChainPage): Generator<EntryGroup> {
    for (const { hash, parent, data } of page.entries) {
      const entry = { data, parent };
      const group = this.checker.accept(canonicalOfParsed(entry), entry, hash, true);
      if (group) {
        this.#end = group[1];
        yield group;
      }
    }
  }

  /** After the last page: a runtime moves HEAD by whole groups, so its last page never ends inside one. */
  finish(): void {
    const pending = this.checker.pending;
    if (pending) {
      throw new ActorchainError('CHAIN_CORRUPT', `${this.checker.where(pending.position)} (hash ${pending.hash}) is a ${pending.kind} entry with no state after it`);
    }
  }

  /** Why the answer to a request for the page after the cursor shows the runtime no longer extends what was checked here; undefined if it does not. */
  forkIn(answer: ChainPage | HttpGetError): string | undefined {
    const cursor = this.cursor;
    if (cursor === undefined) return undefined;
    const at = `entry ${cursor.position + 1} (hash ${cursor.hash})`;
    if (answer instanceof HttpGetError) return answer.status === 404 ? `${at} is not in its chain` : undefined;
    const first = answer.entries[0];
    if (first && first.parent !== cursor.hash) return `it lists ${first.hash} after ${at}, but that entry names parent ${first.parent}`;
    if (!first && this.#end && answer.next === null && answer.head !== cursor.hash) return `nothing follows ${at} there, yet its head is another entry`;
    return undefined;
  }

  /** CHAIN_FORKED: the runtime has rewritten the history checked here (`why`: forkIn's answer), with its head as it says now. */
  async forked(why: string, timeoutMs: number): Promise<ActorchainError> {
    const head = await fetchJson<{ head: string; length: number }>(endpoint(this.#base, 'head'), timeoutMs).then(
      ({ head, length }) => `${head} (${length} entries)`,
      () => 'unknown (GET /head failed)',
    );
    const end = this.#end;
    return new ActorchainError(
      'CHAIN_FORKED',
      `${this.#base} no longer extends the chain verified here: ${why}. Verified head: ${end?.hash} (${(end?.position ?? -1) + 1} entries); ` +
        `its head: ${head}. Its history was rewritten; keep the verified copy as evidence`,
    );
  }
}

/** verify <url>: the runtime's chain from genesis to the head it has when asked, once. */
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
    const pages = new ChainPages(this.#base, { componentHash: this.#options.componentHash });
    const { length } = await getJson<{ length: number }>(endpoint(this.#base, 'head'));
    let next: Promise<ChainPage> | undefined = this.#page(pages.url(undefined));
    while (next) {
      const page: ChainPage = await next;
      // Fetch the next page while this one is checked and replayed.
      next = page.next === null ? undefined : this.#page(pages.url(page.next));
      yield* pages.groups(page);
      this.#options.onProgress?.(pages.checker.count, Math.max(length, pages.checker.count));
    }
    pages.finish();
  }

  #page(url: URL): Promise<ChainPage> {
    const page = getJson<ChainPage>(url);
    // Prefetched pages may fail while nobody awaits them yet; the failure is seen when awaited.
    page.catch(() => {});
    return page;
  }
}
