/**
 * HTTP Message Signatures (RFC 9421) with Ed25519, and Content-Digest (RFC 9530): what a
 * runtime's deliveries carry, so that a receiver can tell them from anyone else's requests.
 *
 *   Content-Digest:  sha-256=:<base64 SHA-256 of the body>:
 *   Signature-Input: actorchain=("@method" "@target-uri" "idempotency-key" "content-digest");created=<unix s>;keyid="<verifier key>";alg="ed25519"
 *   Signature:       actorchain=:<base64 Ed25519 signature of the signature base>:
 *
 * The signature base (RFC 9421 section 2.5) is one line per covered component,
 * `"<name>": <value>`, then `"@signature-params": <the Signature-Input member>`, joined by
 * newlines with none at the end. Only what deliveries need is here: derived components
 * (@method, @target-uri, @authority, @scheme, @path, @query) and plain header fields, no
 * component parameters (;sf, ;key, ;req, ...).
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { ActorchainError } from '../errors.js';
import { parseVerifierKeyOrPublicKey, type Identity, type NoteVerifier } from '../tlog/keys.js';
import { parseDictionary, type BareItem, type InnerList, type Member } from './structured-fields.js';

/** The label of a delivery's signature in Signature-Input and Signature. */
export const SIGNATURE_LABEL = 'actorchain';
/** What a delivery's signature must cover, at least. */
export const REQUIRED_COMPONENTS = ['@method', '@target-uri', 'idempotency-key', 'content-digest'] as const;
/** How far `created` may be from the receiver's clock, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** The name a bare base64 public key in --accept-sends-from is given in its verifier key. */
export const BARE_SENDER_NAME = 'sender';

/** A request as the signature sees it: its method, its full target URI, its header fields. */
export interface SignableRequest {
  method: string;
  targetUri: string;
  /** The field's values, combined as RFC 9110 combines them (", "); undefined when absent. */
  field(name: string): string | undefined;
}

/** Signature parameters, in the order they are serialized. */
export type SignatureParams = ReadonlyArray<readonly [string, string | number]>;

/** `sha-256=:<base64>:`, the RFC 9530 Content-Digest of a body. */
export function contentDigest(body: string | Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

function sfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`${JSON.stringify(value)} is not a structured-field string`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The Signature-Input member: `("<component>" ...);<param>=<value>...`. */
export function signatureParamsText(components: readonly string[], params: SignatureParams): string {
  const list = `(${components.map(sfString).join(' ')})`;
  return list + params.map(([name, value]) => `;${name}=${typeof value === 'number' ? String(value) : sfString(value)}`).join('');
}

function componentValue(name: string, request: SignableRequest): string {
  const url = new URL(request.targetUri);
  switch (name) {
    case '@method':
      return request.method.toUpperCase();
    case '@target-uri':
      return request.targetUri;
    case '@authority':
      return url.host.toLowerCase();
    case '@scheme':
      return url.protocol.slice(0, -1).toLowerCase();
    case '@path':
      return url.pathname;
    case '@query':
      return url.search === '' ? '?' : url.search;
  }
  if (name.startsWith('@') || name !== name.toLowerCase()) throw new Error(`the component ${JSON.stringify(name)} is not supported`);
  const value = request.field(name);
  if (value === undefined) throw new Error(`the covered field ${name} is not in the request`);
  return value.trim();
}

/** The RFC 9421 signature base of a request for these components and parameters. Throws on a missing field. */
export function signatureBase(request: SignableRequest, components: readonly string[], params: SignatureParams): string {
  const lines = components.map((name) => `${sfString(name)}: ${componentValue(name, request)}`);
  lines.push(`"@signature-params": ${signatureParamsText(components, params)}`);
  return lines.join('\n');
}

/** The Signature-Input and Signature header values of a request signed with `privateKey`. */
export function signRequest(
  request: SignableRequest,
  privateKey: KeyObject,
  { label, components, params }: { label: string; components: readonly string[]; params: SignatureParams },
): { 'signature-input': string; signature: string } {
  const signature = sign(null, Buffer.from(signatureBase(request, components, params)), privateKey).toString('base64');
  return { 'signature-input': `${label}=${signatureParamsText(components, params)}`, signature: `${label}=:${signature}:` };
}

/** Who signs a runtime's deliveries: its identity, named by its verifier key (the keyid). */
export interface DeliverySigner {
  identity: Identity;
  /** The runtime's verifier key, `<origin>+<key id>+<base64 key>`: the keyid of its signatures. */
  keyId: string;
}

/** The headers that sign one delivery: Content-Digest, Signature-Input, Signature. */
export function deliverySignatureHeaders(
  signer: DeliverySigner,
  { targetUri, key, body, nowMs = Date.now() }: { targetUri: string; key: string; body: string; nowMs?: number },
): Record<string, string> {
  const digest = contentDigest(body);
  const fields: Record<string, string> = { 'idempotency-key': key, 'content-digest': digest };
  const request: SignableRequest = { method: 'POST', targetUri, field: (name) => fields[name] };
  const params: SignatureParams = [
    ['created', Math.floor(nowMs / 1000)],
    ['keyid', signer.keyId],
    ['alg', 'ed25519'],
  ];
  return { 'content-digest': digest, ...signRequest(request, signer.identity.privateKey, { label: SIGNATURE_LABEL, components: REQUIRED_COMPONENTS, params }) };
}

// --- Verifying a delivery ---

/** The senders a receiver accepts (--accept-sends-from), by base64 public key. */
export type AcceptedSenders = ReadonlyMap<string, NoteVerifier>;

/** Parses --accept-sends-from values (verifier keys, or bare base64 Ed25519 public keys). Throws NOTE_MALFORMED. */
export function acceptedSenders(values: readonly string[]): Map<string, NoteVerifier> {
  const senders = new Map<string, NoteVerifier>();
  for (const value of values) {
    const verifier = parseVerifierKeyOrPublicKey(value, BARE_SENDER_NAME);
    const publicKey = Buffer.from(verifier.publicKey).toString('base64');
    if (!senders.has(publicKey)) senders.set(publicKey, verifier);
  }
  return senders;
}

/**
 * Who a request is from: `sender` (the accepted sender's verifier key) when it carries a valid
 * signature from an accepted key, undefined when it carries none from an accepted key. A
 * signature that names an accepted key but does not hold (a bad signature, a body that does not
 * match Content-Digest, a `created` too far from now, a required component not covered) throws
 * SIGNATURE_INVALID: a sender's request that was altered on the way is refused, not taken as
 * anybody's.
 */
export function verifiedSender(request: SignableRequest, body: Uint8Array, accepted: AcceptedSenders, nowMs = Date.now()): string | undefined {
  const input = request.field('signature-input');
  if (accepted.size === 0 || input === undefined) return undefined;
  const invalid = (why: string) => new ActorchainError('SIGNATURE_INVALID', `the request's signature does not hold: ${why}; nothing was committed`);
  let inputs: Map<string, Member>;
  let signatures: Map<string, Member>;
  try {
    inputs = parseDictionary(input);
    signatures = parseDictionary(request.field('signature') ?? '');
  } catch (err) {
    throw invalid(`Signature-Input or Signature is malformed (${(err as Error).message})`);
  }
  for (const [label, member] of inputs) {
    if (!('items' in member)) continue;
    const keyid = member.params.get('keyid');
    if (typeof keyid !== 'string') continue;
    let sender: NoteVerifier | undefined;
    try {
      sender = accepted.get(Buffer.from(parseVerifierKeyOrPublicKey(keyid, BARE_SENDER_NAME).publicKey).toString('base64'));
    } catch {
      continue;
    }
    if (sender === undefined) continue;
    checkSignature(request, body, label, member, signatures.get(label), sender, nowMs, invalid);
    return sender.text;
  }
  return undefined;
}

function checkSignature(
  request: SignableRequest,
  body: Uint8Array,
  label: string,
  input: InnerList,
  signature: Member | undefined,
  sender: NoteVerifier,
  nowMs: number,
  invalid: (why: string) => ActorchainError,
): void {
  const components = input.items.map((item) => item.value);
  if (!components.every((c): c is string => typeof c === 'string')) throw invalid('Signature-Input lists a component that is not a string');
  const missing = REQUIRED_COMPONENTS.filter((c) => !components.includes(c));
  if (missing.length > 0) throw invalid(`it does not cover ${missing.join(', ')}`);
  const alg = input.params.get('alg');
  if (alg !== undefined && alg !== 'ed25519') throw invalid(`alg is ${JSON.stringify(alg)}, not "ed25519"`);
  const created = input.params.get('created');
  if (typeof created !== 'number') throw invalid('Signature-Input has no created time');
  const skew = Math.abs(nowMs / 1000 - created);
  if (skew > MAX_CLOCK_SKEW_SECONDS) throw invalid(`created is ${Math.round(skew)} s from this runtime's clock (at most ${MAX_CLOCK_SKEW_SECONDS} s)`);
  const expires = input.params.get('expires');
  if (typeof expires === 'number' && expires < nowMs / 1000) throw invalid('it has expired');
  if (signature === undefined || !('value' in signature) || !(signature.value instanceof Uint8Array)) throw invalid(`Signature has no byte sequence labelled ${label}`);

  let digests: Map<string, Member>;
  try {
    digests = parseDictionary(request.field('content-digest') ?? '');
  } catch (err) {
    throw invalid(`Content-Digest is malformed (${(err as Error).message})`);
  }
  const digest = digests.get('sha-256');
  if (digest === undefined || !('value' in digest) || !(digest.value instanceof Uint8Array)) throw invalid('Content-Digest has no sha-256 digest');
  if (!Buffer.from(digest.value).equals(createHash('sha256').update(body).digest())) throw invalid('the body does not match its Content-Digest');

  let base: string;
  try {
    base = signatureBase(
      request,
      components,
      [...input.params].map(([name, value]) => [name, sfParamValue(name, value)] as const),
    );
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (!verify(null, Buffer.from(base), sender.keyObject, signature.value)) throw invalid(`the Ed25519 signature does not verify with ${sender.text}`);
}

function sfParamValue(name: string, value: BareItem): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new Error(`the signature parameter ${name} is neither a string nor an integer`);
}
