/**
 * Which of the four kinds an entry's data is: the one rule of the runtime's checker
 * (chain/entry.ts, chain/check.ts) and of the explorer's page. It imports nothing (no Node
 * module): `npm run build` copies it beside the page's modules (scripts/copy-assets.mjs).
 *
 *   genesis  component-hash (string), key? (string)
 *   state    state, sends? (array), journal? (non-empty array)
 *   message  message (object), idempotency-key? (1-255 printable ASCII), sender? (an Ed25519 verifier key)
 *   upgrade  upgrade: {component-hash (64 lowercase hex)}
 *
 * Data with any other member, or a member that fails its check, is none of them.
 */
export type EntryKind = 'genesis' | 'state' | 'message' | 'upgrade';

type MemberCheck = (value: unknown) => boolean;

export const HASH_PATTERN = /^[0-9a-f]{64}$/;
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;
const IDEMPOTENCY_KEY_PATTERN = new RegExp(`^[\\x20-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_CHARS}}$`);

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An Idempotency-Key: 1 to 255 printable ASCII characters. Within that range JSON.stringify
 * escapes exactly what RFC 8785 escapes (`"` and `\`), so the key's canonical text is cheap.
 */
export function isIdempotencyKey(value: unknown): boolean {
  return typeof value === 'string' && IDEMPOTENCY_KEY_PATTERN.test(value);
}

/**
 * Whether `value` has the form of an Ed25519 signed-note verifier key: `<name>+<8 hex key
 * id>+<base64 of 0x01 and 32 key bytes>`. The runtime also checks that the key id is the
 * hash of the name and key (tlog/keys.ts), which takes a synchronous SHA-256 a browser lacks.
 */
export function hasSenderKeyForm(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^([^\s+]+)\+[0-9a-fA-F]{8}\+([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!match) return false;
  try {
    const key = atob(match[2]!);
    return key.length === 33 && key.charCodeAt(0) === 0x01;
  } catch {
    return false;
  }
}

function isUpgradeMember(value: unknown): boolean {
  return (
    isJsonObject(value) && Object.keys(value).join() === 'component-hash' && typeof value['component-hash'] === 'string' && HASH_PATTERN.test(value['component-hash'])
  );
}

/** Each kind's data members: those it must have and those it may have, each with the check its value must pass. */
function kinds(isSenderKey: MemberCheck): ReadonlyArray<{ kind: EntryKind; required: Record<string, MemberCheck>; optional: Record<string, MemberCheck> }> {
  return [
    { kind: 'genesis', required: { 'component-hash': (v) => typeof v === 'string' }, optional: { key: (v) => typeof v === 'string' } },
    { kind: 'state', required: { state: () => true }, optional: { sends: Array.isArray, journal: (v) => Array.isArray(v) && v.length > 0 } },
    { kind: 'message', required: { message: (v) => isJsonObject(v) }, optional: { 'idempotency-key': isIdempotencyKey, sender: isSenderKey } },
    { kind: 'upgrade', required: { upgrade: isUpgradeMember }, optional: {} },
  ];
}

/**
 * The rule itself: which of the four kinds data is, or undefined when its members fit none;
 * `isSenderKey` checks a message's `sender` (the runtime passes its full check, see
 * chain/entry.ts; the page its form).
 */
export function entryKindRule(isSenderKey: MemberCheck): (data: unknown) => EntryKind | undefined {
  const table = kinds(isSenderKey);
  return (data) => {
    if (!isJsonObject(data)) return undefined;
    const keys = Object.keys(data);
    for (const { kind, required, optional } of table) {
      const fits = Object.keys(required).every((key) => Object.hasOwn(data, key)) && keys.every((key) => (required[key] ?? optional[key])?.(data[key]) === true);
      if (fits) return kind;
    }
    return undefined;
  };
}

/** entryKindRule with a sender key checked for its form: what a browser can check. */
export const entryKind = entryKindRule(hasSenderKeyForm);
const FORM_KINDS = kinds(hasSenderKeyForm);

/**
 * The kind whose required members `data` holds, whatever else it holds: how the explorer
 * shows an entry that fits no kind (it fails the page's check all the same).
 */
export function nearestKind(data: unknown): EntryKind | undefined {
  if (!isJsonObject(data)) return undefined;
  return FORM_KINDS.find(({ required }) => Object.keys(required).every((key) => Object.hasOwn(data, key)))?.kind;
}
