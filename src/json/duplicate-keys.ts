/**
 * Finds a member name that appears twice in one object of a JSON text. JSON.parse keeps the
 * last of them silently, so a chain would record something other than what was sent;
 * RFC 8785 and I-JSON (RFC 7493) require unique names.
 *
 * The text must already be valid JSON (JSON.parse accepted it): the scanner only tracks
 * strings, brackets and commas, with an explicit stack, so the deepest nesting JSON.parse
 * takes costs no recursion here. Names are compared after unescaping ("a" and "\u0061" are
 * the same name).
 */

interface ObjectFrame {
  kind: 'object';
  names: Set<string>;
  /** The name whose value is being read. */
  name: string;
  expectingName: boolean;
}

interface ArrayFrame {
  kind: 'array';
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

export interface DuplicateKey {
  name: string;
  /** JSON Pointer (RFC 6901) of the object holding the name twice; "" is the top level. */
  pointer: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function pointerOf(stack: readonly Frame[]): string {
  return stack
    .slice(0, -1)
    .map((frame) => `/${frame.kind === 'array' ? frame.index : frame.name.replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

export function findDuplicateKey(json: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let i = 0;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      i += 1;
      for (let d = json.charCodeAt(i); d !== QUOTE; d = json.charCodeAt(i)) {
        if (d === BACKSLASH) {
          escaped = true;
          i += 2;
        } else {
          i += 1;
        }
      }
      i += 1;
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectingName) {
        const name = escaped ? (JSON.parse(json.slice(start, i)) as string) : json.slice(start + 1, i - 1);
        if (top.names.has(name)) return { name, pointer: pointerOf(stack) };
        top.names.add(name);
        top.name = name;
        top.expectingName = false;
      }
      continue;
    }
    if (c === 0x7b) stack.push({ kind: 'object', names: new Set(), name: '', expectingName: true });
    else if (c === 0x5b) stack.push({ kind: 'array', index: 0 });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === COMMA) {
      const top = stack[stack.length - 1]!;
      if (top.kind === 'object') top.expectingName = true;
      else top.index += 1;
    }
    i += 1;
  }
  return undefined;
}
