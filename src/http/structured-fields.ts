/**
 * Structured field values (RFC 8941), the part HTTP Message Signatures use: dictionaries of
 * items and inner lists with parameters, as Signature-Input, Signature and Content-Digest
 * hold them (message-signature.ts).
 */

export type BareItem = string | number | boolean | Uint8Array | { token: string };
export interface Item {
  value: BareItem;
  params: Map<string, BareItem>;
}
export interface InnerList {
  items: Item[];
  params: Map<string, BareItem>;
}
export type Member = Item | InnerList;

class FieldParser {
  #at = 0;
  constructor(readonly text: string) {}

  dictionary(): Map<string, Member> {
    const members = new Map<string, Member>();
    this.#spaces();
    if (this.#at === this.text.length) return members;
    for (;;) {
      const key = this.#key();
      let member: Member;
      if (this.text[this.#at] === '=') {
        this.#at += 1;
        member = this.text[this.#at] === '(' ? this.#innerList() : { value: this.#bareItem(), params: this.#params() };
      } else {
        member = { value: true, params: this.#params() };
      }
      members.set(key, member);
      this.#ows();
      if (this.#at === this.text.length) return members;
      this.#expect(',');
      this.#ows();
      if (this.#at === this.text.length) throw this.#error('a trailing comma');
    }
  }

  #innerList(): InnerList {
    this.#expect('(');
    const items: Item[] = [];
    for (;;) {
      this.#spaces();
      if (this.text[this.#at] === ')') {
        this.#at += 1;
        return { items, params: this.#params() };
      }
      items.push({ value: this.#bareItem(), params: this.#params() });
      const next = this.text[this.#at];
      if (next !== ' ' && next !== ')') throw this.#error('an inner list item not followed by a space or ")"');
    }
  }

  #params(): Map<string, BareItem> {
    const params = new Map<string, BareItem>();
    while (this.text[this.#at] === ';') {
      this.#at += 1;
      this.#spaces();
      const key = this.#key();
      let value: BareItem = true;
      if (this.text[this.#at] === '=') {
        this.#at += 1;
        value = this.#bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  #key(): string {
    const match = /^[a-z*][a-z0-9_\-.*]*/.exec(this.text.slice(this.#at));
    if (!match) throw this.#error('a key expected');
    this.#at += match[0].length;
    return match[0];
  }

  #bareItem(): BareItem {
    const rest = this.text.slice(this.#at);
    const c = rest[0];
    if (c === '"') {
      let value = '';
      for (let i = 1; i < rest.length; i += 1) {
        const ch = rest[i]!;
        if (ch === '\\') {
          const escaped = rest[i + 1];
          if (escaped !== '"' && escaped !== '\\') throw this.#error('a bad escape in a string');
          value += escaped;
          i += 1;
        } else if (ch === '"') {
          this.#at += i + 1;
          return value;
        } else if (ch < ' ' || ch > '~') {
          throw this.#error('a character not allowed in a string');
        } else {
          value += ch;
        }
      }
      throw this.#error('an unterminated string');
    }
    if (c === ':') {
      const end = rest.indexOf(':', 1);
      const encoded = end < 0 ? undefined : rest.slice(1, end);
      if (encoded === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw this.#error('a bad byte sequence');
      this.#at += end + 1;
      return Buffer.from(encoded, 'base64');
    }
    if (c === '?') {
      if (rest[1] !== '0' && rest[1] !== '1') throw this.#error('a bad boolean');
      this.#at += 2;
      return rest[1] === '1';
    }
    const integer = /^-?[0-9]{1,15}(?![0-9.])/.exec(rest);
    if (integer) {
      this.#at += integer[0].length;
      return Number(integer[0]);
    }
    const token = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(rest);
    if (token) {
      this.#at += token[0].length;
      return { token: token[0] };
    }
    throw this.#error('an item expected');
  }

  #spaces(): void {
    while (this.text[this.#at] === ' ') this.#at += 1;
  }

  #ows(): void {
    while (this.text[this.#at] === ' ' || this.text[this.#at] === '\t') this.#at += 1;
  }

  #expect(c: string): void {
    if (this.text[this.#at] !== c) throw this.#error(`"${c}" expected`);
    this.#at += 1;
  }

  #error(what: string): Error {
    return new Error(`${what} at character ${this.#at + 1}`);
  }
}

/** An RFC 8941 dictionary. Throws an Error saying where it is malformed. */
export function parseDictionary(text: string): Map<string, Member> {
  return new FieldParser(text).dictionary();
}
