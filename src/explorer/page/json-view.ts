/**
 * JSON as a collapsible tree of <details> elements (keyboard accessible as they are).
 * Levels deeper than `openDepth` are built only when first opened, so a large state
 * costs nothing until someone looks into it.
 */
import { h } from './dom.js';

export interface JsonViewOptions {
  /** Levels open from the start (0: even the outermost is closed). */
  openDepth?: number;
}

function leaf(value: unknown): HTMLElement {
  if (value === null) return h('span', { class: 'j-null' }, 'null');
  switch (typeof value) {
    case 'string':
      return h('span', { class: 'j-str' }, JSON.stringify(value));
    case 'number':
      return h('span', { class: 'j-num' }, String(value));
    case 'boolean':
      return h('span', { class: 'j-bool' }, String(value));
    default:
      return h('span', { class: 'j-null' }, String(value));
  }
}

function summaryText(value: object): string {
  if (Array.isArray(value)) return `[ ${value.length} item${value.length === 1 ? '' : 's'} ]`;
  const keys = Object.keys(value);
  const preview = keys.slice(0, 4).join(', ') + (keys.length > 4 ? ', …' : '');
  return `{ ${preview} }`;
}

function node(value: unknown, depth: number, openDepth: number): HTMLElement {
  if (typeof value !== 'object' || value === null) return leaf(value);
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
  if (entries.length === 0) return h('span', { class: 'j-empty' }, Array.isArray(value) ? '[]' : '{}');
  const details = h('details', { class: 'j-node' }, h('summary', {}, summaryText(value)));
  const fill = () => {
    const list = h('ul', { class: 'j-members' });
    for (const [key, item] of entries) {
      const label = typeof key === 'number' ? h('span', { class: 'j-index' }, `${key}`) : h('span', { class: 'j-key' }, JSON.stringify(key));
      list.append(h('li', {}, label, ': ', node(item, depth + 1, openDepth)));
    }
    details.append(list);
  };
  if (depth < openDepth) {
    details.open = true;
    fill();
  } else {
    details.addEventListener('toggle', fill, { once: true });
  }
  return details;
}

export function jsonView(value: unknown, options: JsonViewOptions = {}): HTMLElement {
  return h('div', { class: 'json' }, node(value, 0, options.openDepth ?? 2));
}

/** One line of JSON for short values in running text; long ones are cut with an ellipsis. */
export function jsonInline(value: unknown, maxChars = 120): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
