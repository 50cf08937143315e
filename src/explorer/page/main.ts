/**
 * The explorer page: loads the newest page of the chain, checks and shows it, follows new
 * entries as they are committed, pages back on demand, and posts messages.
 *
 *   /head ──► /chain?until=<head> ──► check + render ──► /chain?after=<newest>&wait=25 (loop)
 *                    ▲                                           │
 *             "older" button: until=<entry before the oldest>    └─► check + render on top
 */
import { api, ApiError, runtimeUrl, setToken } from './api.js';
import { h, shortHash } from './dom.js';
import { canHash, checkEntries, entryKind, type ChainEntry } from './entry-check.js';
import { renderSteps, type ShownEntry } from './history.js';
import { jsonView } from './json-view.js';
import { wirePostForm } from './post-form.js';
import { describe, setLive, view } from './view.js';

/** Entries shown per page. One more is fetched: the state the page's first message was applied to. */
const PAGE_ENTRIES = 1000;
/** What the page asks of a runtime that long-polls; one that does not answers at once. */
const WAIT_SECONDS = 25;
/** How often to ask when the runtime does not long-poll. */
const POLL_MS = 1000;

/** What is shown: a contiguous run of the chain, from `oldest` to `newest`. */
const shown = {
  newest: undefined as ChainEntry | undefined,
  newestPosition: -1,
  /** The entry just before the oldest one shown (the next older page ends with it), or null when genesis is shown. */
  beforeOldest: null as ChainEntry | null,
  beforeOldestPosition: -1,
  checked: 0,
  passed: 0,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function showSummary(): void {
  const { checked, passed } = shown;
  const failed = checked - passed;
  let text = `${passed} of ${checked} entries checked in this browser`;
  if (!canHash()) text = `None of ${checked} entries could be checked: this browser offers WebCrypto only on https or localhost`;
  else if (failed > 0) text += `; ${failed} failed the check (marked ✗)`;
  if (shown.beforeOldest !== null) text += `. ${shown.beforeOldestPosition + 1} older entries are not loaded yet.`;
  view.summary.textContent = text;
  view.summary.classList.toggle('bad', failed > 0);
  view.summary.classList.toggle('ok', failed === 0 && checked > 0);
}

function showActor(head: string, length: number, state: unknown): void {
  view.head.textContent = shortHash(head);
  view.head.title = head;
  view.head.href = `chain/${head}`;
  const messages = Math.max(0, (length - 2) / 2);
  view.length.textContent = `${length} entries (${messages} message${messages === 1 ? '' : 's'})`;
  view.state.replaceChildren(jsonView(state, { openDepth: 3 }));
}

/** Check `entries` (chain order, following `before`), count them and make their steps. */
async function checkAndRender(entries: ChainEntry[], firstPosition: number, before: ChainEntry | null, end?: string): Promise<HTMLElement[]> {
  const verdicts = await checkEntries(entries, before?.hash ?? null);
  // The newest entry must be the one asked for: HEAD, or the entry a newer page rests on.
  if (end !== undefined && entries.at(-1)?.hash !== end) verdicts[verdicts.length - 1] = false;
  const list: ShownEntry[] = entries.map((entry, i) => ({ entry, position: firstPosition + i, verified: verdicts[i]! }));
  shown.checked += list.length;
  shown.passed += verdicts.filter(Boolean).length;
  return renderSteps(list, before?.data.state);
}

/**
 * A page fetched backwards, cut to start at a message (or genesis), with the entry just
 * before that: the first message links to it and changes its state. That entry is shown
 * by the next older page, which ends with it. Only a page of a few huge entries lacks it
 * and costs one more request.
 */
async function withContext(entries: ChainEntry[]): Promise<{ context: ChainEntry | null; rest: ChainEntry[] }> {
  if (entryKind(entries[0]!) === 'genesis') return { context: null, rest: entries };
  const message = entries.findIndex((entry) => entryKind(entry) === 'message' || entryKind(entry) === 'upgrade');
  if (message > 0) return { context: entries[message - 1]!, rest: entries.slice(message) };
  const before = await api.pageUntil(entries[0]!.parent!, 1);
  return { context: before.entries[0]!, rest: entries };
}

async function showOlder(until: string, endPosition: number): Promise<void> {
  const page = await api.pageUntil(until, PAGE_ENTRIES + 1);
  const { context, rest } = await withContext(page.entries);
  const restPosition = endPosition - rest.length + 1;
  const steps = await checkAndRender(rest, restPosition, context, until);
  view.history.append(...steps);
  shown.beforeOldest = context;
  shown.beforeOldestPosition = restPosition - 1;
  if (shown.newest === undefined) {
    shown.newest = rest.at(-1);
    shown.newestPosition = endPosition;
  }
  view.older.hidden = context === null;
  view.older.textContent = `Show older entries (${restPosition} more)`;
  showSummary();
}

async function showNewer(page: { entries: ChainEntry[] }): Promise<void> {
  const before = shown.newest ?? null;
  const steps = await checkAndRender(page.entries, shown.newestPosition + 1, before);
  view.history.prepend(...steps);
  shown.newest = page.entries.at(-1);
  shown.newestPosition += page.entries.length;
  showSummary();
  const state = [...page.entries].reverse().find((entry) => entryKind(entry) === 'state');
  showActor(shown.newest!.hash, shown.newestPosition + 1, state?.data.state);
}

/** Follow new entries: long-poll where the runtime offers it, else ask every second. */
async function follow(): Promise<never> {
  let waitSeconds: number | undefined = WAIT_SECONDS;
  for (;;) {
    const asked = performance.now();
    try {
      const page = await api.pageAfter(shown.newest?.hash, PAGE_ENTRIES, waitSeconds);
      setLive('live', true);
      if (page.entries.length > 0) await showNewer(page);
      // An empty answer that came at once means the runtime ignored `wait`: poll instead.
      else if (performance.now() - asked < POLL_MS) await sleep(POLL_MS - (performance.now() - asked));
    } catch (err) {
      // A runtime that takes `wait` but not this much of it: poll without it.
      if (err instanceof ApiError && err.code === 'INVALID_QUERY' && waitSeconds !== undefined) {
        waitSeconds = undefined;
        continue;
      }
      setLive(err instanceof ApiError && err.code === 'NOT_FOUND' ? 'this chain is gone from the runtime: reload the page' : `reconnecting (${describe(err)})`, false);
      await sleep(2 * POLL_MS);
    }
  }
}

async function componentHash(): Promise<string> {
  const first = await api.pageAfter(undefined, 1);
  return String(first.entries[0]?.data['component-hash']);
}

/** The page's controls, wired once (a page that reloads the chain must not post twice). */
function wire(): void {
  view.verifyCommand.textContent = `actorchain verify <component.wasm> ${runtimeUrl()}`;
  wirePostForm();
  view.older.addEventListener('click', () => {
    const before = shown.beforeOldest;
    if (before === null) return;
    view.older.disabled = true;
    showOlder(before.hash, shown.beforeOldestPosition)
      .catch((err: unknown) => setLive(`could not load older entries (${describe(err)})`, false))
      .finally(() => (view.older.disabled = false));
  });
}

async function load(): Promise<void> {
  const started = performance.now();
  const head = await api.head();
  view.storage.textContent = head.durable === undefined ? 'unknown' : head.durable ? 'on disk (a data dir)' : 'in memory only: the history ends with the process';
  const [hash] = await Promise.all([componentHash(), showOlder(head.head, head.length - 1)]);
  view.componentHash.textContent = hash;
  showActor(head.head, head.length, shown.newest?.data.state);
  // For tests and the curious: how long the first page took, request to rendered.
  document.body.dataset.loadMs = String(Math.round(performance.now() - started));
  setLive('live', true);
  await follow();
}

/**
 * A runtime started with --token-reads answers 401 to every read: ask for its token (kept in
 * this tab's memory only, like the one for posting) and load again with it.
 */
function askForReadToken(err: ApiError): void {
  setLive('this runtime needs a token to be read', false);
  const input = h('input', { id: 'read-token', name: 'token', type: 'password', autocomplete: 'off', required: '' });
  const form = h('form', { id: 'read-token-form', class: 'token' }, h('label', { for: 'read-token' }, 'Token'), input, h('button', { type: 'submit' }, 'Read'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(input.value);
    // The same token posts: the post form uses it without asking again.
    view.token.value = input.value;
    view.history.replaceChildren();
    setLive('loading', true);
    loadOrExplain();
  });
  view.history.replaceChildren(
    h('p', { class: 'bad' }, `${describe(err)}. This runtime closes its reads too (--token-reads): enter its token to read it. It is kept in this tab’s memory only.`),
    form,
  );
  input.focus();
}

function loadOrExplain(): void {
  load().catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) return askForReadToken(err);
    setLive(`cannot read this runtime (${describe(err)})`, false);
    view.history.replaceChildren(h('p', { class: 'bad' }, `The explorer could not load the chain: ${describe(err)}`));
  });
}

wire();
loadOrExplain();
