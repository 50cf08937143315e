/**
 * The runtime's HTTP API as the page uses it. Paths are relative to the page (served at
 * `<runtime>/explorer`), so the explorer also works behind a proxy that mounts the runtime
 * under a prefix. The token, when the runtime asks for one, lives only in this module.
 */
import type { ChainEntry } from './entry-check.js';

export interface HeadAnswer {
  head: string;
  length: number;
  /** Whether the runtime writes its chain to disk (absent from runtimes older than the explorer). */
  durable?: boolean;
}

export interface ChainPage {
  head: string;
  entries: ChainEntry[];
  next: string | null;
}

export interface PostAnswer {
  head: string;
  message: string;
  state: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let token: string | undefined;

export function setToken(value: string): void {
  token = value === '' ? undefined : value;
}

/** The runtime's own URL, as `actorchain verify` takes it. */
export function runtimeUrl(): string {
  return new URL('.', location.href).href.replace(/\/$/, '');
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(new URL(path, location.href), { ...init, headers, cache: 'no-store' });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, `HTTP_${response.status}`, `the runtime answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`;
    throw new ApiError(response.status, code, typeof error?.message === 'string' ? error.message : response.statusText);
  }
  return body as T;
}

export const api = {
  head: () => call<HeadAnswer>('head'),
  /** Entries ending with `until`, in chain order. */
  pageUntil: (until: string, limit: number) => call<ChainPage>(`chain?until=${until}&limit=${limit}`),
  /** Entries after `after`; a runtime that long-polls holds the answer up to `waitSeconds` until there is one. */
  pageAfter: (after: string | undefined, limit: number, waitSeconds?: number) =>
    call<ChainPage>(`chain?limit=${limit}${after === undefined ? '' : `&after=${after}`}${waitSeconds === undefined ? '' : `&wait=${waitSeconds}`}`),
  post: (text: string) => call<PostAnswer>('.', { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }),
};
