/** A small element builder: the page builds its DOM from text nodes only, never from HTML strings. */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** The element with this id, which the page's HTML is known to hold. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the explorer page has no #${id}`);
  return element as T;
}

/** `0123abcd…` for display; the full hash stays in the title and the link. */
export function shortHash(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
