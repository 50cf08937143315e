/**
 * The history as the page shows it: entries grouped into steps (a message with the state it
 * produced, an upgrade with the state the new component took over; the start is genesis
 * with the init state), newest step first. Every entry element
 * carries `data-hash` and `data-verified` for tests and tooling.
 */
import { h, shortHash, type Child } from './dom.js';
import { entryKind, type ChainEntry } from './entry-check.js';
import { jsonInline, jsonView } from './json-view.js';
import { stateDiff } from './state-diff.js';

export interface ShownEntry {
  entry: ChainEntry;
  /** Position in the chain: genesis is 0. */
  position: number;
  verified: boolean;
}

/** Members of `data` the page knows how to show; any other member is shown as plain JSON. */
const KNOWN_MEMBERS: Record<string, readonly string[]> = {
  genesis: ['component-hash'],
  message: ['message'],
  upgrade: ['upgrade'],
  state: ['state', 'sends', 'journal'],
};

function entryHead(shown: ShownEntry, title: string): HTMLElement {
  const { entry, position, verified } = shown;
  return h(
    'div',
    { class: 'entry-head' },
    h(
      'span',
      {
        class: `mark ${verified ? 'ok' : 'bad'}`,
        role: 'img',
        'aria-label': verified ? 'checked' : 'check failed',
        title: verified ? 'hash and link checked in this browser' : 'the hash or the link to the entry before does not match',
      },
      verified ? '✓' : '✗',
    ),
    h('span', { class: 'kind' }, title),
    h('span', { class: 'position' }, `#${position}`),
    h('a', { class: 'hash', href: `chain/${entry.hash}`, title: `${entry.hash} (the entry's canonical JSON)` }, shortHash(entry.hash)),
  );
}

function extras(entry: ChainEntry): Child[] {
  const known = KNOWN_MEMBERS[entryKind(entry)]!;
  return Object.entries(entry.data)
    .filter(([key]) => !known.includes(key))
    .map(([key, value]) => h('div', { class: 'member' }, h('h4', { class: 'raw' }, key), jsonView(value, { openDepth: 2 })));
}

function changesList(before: unknown, after: unknown): HTMLElement {
  const changes = stateDiff(before, after);
  if (changes.length === 0) return h('p', { class: 'muted' }, 'no change');
  return h(
    'ul',
    { class: 'changes' },
    ...changes.map((change) => {
      const path = h('code', { class: 'path' }, change.path === '' ? '(whole state)' : change.path);
      switch (change.kind) {
        case 'added':
          return h('li', { class: 'added' }, h('span', { class: 'sign', 'aria-label': 'added' }, '+'), path, ' ', h('code', {}, jsonInline(change.after)));
        case 'removed':
          return h('li', { class: 'removed' }, h('span', { class: 'sign', 'aria-label': 'removed' }, '−'), path, ' ', h('code', {}, jsonInline(change.before)));
        default:
          return h(
            'li',
            { class: 'changed' },
            h('span', { class: 'sign', 'aria-label': 'changed' }, '~'),
            path,
            ' ',
            h('code', { class: 'before' }, jsonInline(change.before, 60)),
            ' → ',
            h('code', {}, jsonInline(change.after, 60)),
          );
      }
    }),
  );
}

function sendsList(sends: unknown): HTMLElement {
  const list = Array.isArray(sends) ? sends : [];
  return h(
    'ul',
    { class: 'sends' },
    ...list.map((send: { to?: unknown; message?: unknown }) =>
      h('li', {}, h('span', { class: 'to' }, String(send?.to)), ' ← ', h('code', {}, jsonInline(send?.message))),
    ),
  );
}

/** How many values a journal records: a record with a count (`["mn", "<ns>", 21]`) is that many; `["new"]` is none. */
export function journalReads(journal: unknown): number {
  if (!Array.isArray(journal)) return 0;
  let reads = 0;
  for (const record of journal) {
    if (!Array.isArray(record) || record.length <= 1) continue;
    reads += record[0] === 'mn' && record.length === 3 && typeof record[2] === 'number' ? record[2] : 1;
  }
  return reads;
}

/** The journal as one line ("journal: 21 reads"); its records, one a line, built only when opened. */
function journalLine(journal: unknown): HTMLElement {
  const reads = journalReads(journal);
  const fresh = Array.isArray(journal) && Array.isArray(journal[0]) && journal[0].length === 1 && journal[0][0] === 'new';
  const text = `journal: ${reads} read${reads === 1 ? '' : 's'}${fresh ? ' (fresh instance)' : ''}`;
  const details = h('details', { class: 'journal' }, h('summary', {}, text));
  details.addEventListener(
    'toggle',
    () =>
      details.append(h('ul', { class: 'journal-records' }, ...(Array.isArray(journal) ? journal : []).map((r: unknown) => h('li', {}, h('code', {}, jsonInline(r)))))),
    { once: true },
  );
  return details;
}

/** The full state, built only when opened. */
function fullState(state: unknown): HTMLElement {
  const details = h('details', { class: 'full-state' }, h('summary', {}, 'Full state'));
  details.addEventListener('toggle', () => details.append(jsonView(state, { openDepth: 2 })), { once: true });
  return details;
}

function entryElement(shown: ShownEntry, title: string, body: Child[], last?: HTMLElement): HTMLElement {
  const kind = entryKind(shown.entry);
  return h(
    'section',
    { class: `entry entry-${kind}`, 'data-hash': shown.entry.hash, 'data-verified': String(shown.verified), 'data-kind': kind },
    entryHead(shown, title),
    ...body,
    ...extras(shown.entry),
    last,
  );
}

/** A state entry, shown against `previousState` (undefined when that is not loaded). */
function stateEntry(shown: ShownEntry, previousState: unknown, title = 'state'): HTMLElement {
  const { data } = shown.entry;
  return entryElement(
    shown,
    title,
    [
      previousState === undefined
        ? jsonView(data.state, { openDepth: 1 })
        : h('div', { class: 'member' }, h('h4', {}, 'Changes'), changesList(previousState, data.state)),
      'sends' in data && h('div', { class: 'member' }, h('h4', {}, 'Sends'), sendsList(data.sends)),
      'journal' in data && journalLine(data.journal),
    ],
    fullState(data.state),
  );
}

/**
 * Steps for `shown` (entries in chain order), newest first. `previousState` is the state
 * just before the first entry (undefined when the first is genesis).
 */
export function renderSteps(shown: readonly ShownEntry[], previousState: unknown): HTMLElement[] {
  const steps: HTMLElement[] = [];
  let state = previousState;
  for (let i = 0; i < shown.length; i++) {
    const current = shown[i]!;
    const kind = entryKind(current.entry);
    const following = shown[i + 1];
    const followingIsState = following !== undefined && entryKind(following.entry) === 'state';
    if (kind === 'genesis') {
      const genesis = entryElement(current, 'genesis', [h('p', {}, 'component ', h('code', { class: 'wrap' }, String(current.entry.data['component-hash'])))]);
      const init = followingIsState ? stateEntry(following, undefined, 'init state') : undefined;
      if (init) {
        state = following.entry.data.state;
        i++;
      }
      steps.push(h('article', { class: 'step step-start' }, h('h3', {}, 'Start'), genesis, init));
    } else if (kind === 'message') {
      const message = entryElement(current, 'message', [jsonView(current.entry.data.message, { openDepth: 2 })]);
      const result = followingIsState ? stateEntry(following, state, 'state') : undefined;
      if (result) {
        state = following.entry.data.state;
        i++;
      }
      steps.push(h('article', { class: 'step' }, h('h3', {}, `Message ${current.position / 2}`), message, result));
    } else if (kind === 'upgrade') {
      const named = (current.entry.data.upgrade as Record<string, unknown> | null)?.['component-hash'];
      const upgrade = entryElement(current, 'upgrade', [h('p', {}, 'to component ', h('code', { class: 'wrap' }, String(named)))]);
      const result = followingIsState ? stateEntry(following, state, 'state taken over') : undefined;
      if (result) {
        state = following.entry.data.state;
        i++;
      }
      steps.push(h('article', { class: 'step step-upgrade' }, h('h3', {}, 'Upgrade'), upgrade, result));
    } else {
      steps.push(h('article', { class: 'step' }, h('h3', {}, 'State'), stateEntry(current, state)));
      state = current.entry.data.state;
    }
  }
  return steps.reverse();
}
