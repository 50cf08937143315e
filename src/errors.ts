/**
 * Every failure actorchain reports has a stable `code`. The registry below is the single
 * place where a code gets its HTTP status and its meaning; the error table of docs/errors.md is
 * checked against it by test/unit/error-codes.test.ts.
 */
export const ERROR_CODES = {
  // Request errors: the caller can fix these.
  INVALID_JSON: { status: 400, summary: 'The body is not JSON (or is empty). Send one JSON object.' },
  MESSAGE_NOT_OBJECT: { status: 400, summary: 'The body is JSON but not an object. Wrap the message in {...}.' },
  MESSAGE_NOT_CANONICALIZABLE: {
    status: 400,
    summary: 'The message has no RFC 8785 canonical form (a number out of range, or nesting too deep).',
  },
  INVALID_HASH: { status: 400, summary: 'A hash must be 64 lowercase hex characters.' },
  INVALID_QUERY: {
    status: 400,
    summary: 'A query parameter is malformed (limit must be an integer from 1 to 10000, wait an integer from 0 to 60; after and until exclude each other).',
  },
  INVALID_IDEMPOTENCY_KEY: {
    status: 400,
    summary: 'The Idempotency-Key header is not 1 to 255 printable ASCII characters, or is given more than once.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    summary: 'The Idempotency-Key was already used with another message; a repeat must carry the same message. Nothing was committed.',
  },
  SIGNATURE_INVALID: {
    status: 401,
    summary:
      'The request is signed (RFC 9421) by a sender --accept-sends-from names, but the signature does not hold: a bad signature, a body that does not match Content-Digest, a created time too far from now, or a required component not covered. Nothing was committed.',
  },
  INVALID_PATH: { status: 400, summary: 'The request path cannot be decoded (a malformed percent escape).' },
  NOT_FOUND: { status: 404, summary: 'No such route or no entry with that hash in this chain.' },
  METHOD_NOT_ALLOWED: { status: 405, summary: 'The route exists but not for this method; the Allow header lists those it takes.' },
  BODY_TOO_LARGE: { status: 413, summary: 'The body is larger than --max-body allows.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'Send the message with Content-Type: application/json (UTF-8).' },
  UNAUTHORIZED: { status: 401, summary: 'This runtime needs Authorization: Bearer <token> (--token); the token is missing or wrong.' },
  DUPLICATE_KEY: { status: 400, summary: 'An object in the body names the same member twice; JSON messages must have unique names (RFC 8785, I-JSON).' },
  INVALID_CONTENT_ENCODING: { status: 400, summary: 'The body is not what its Content-Encoding claims (corrupt gzip, deflate or br data).' },
  READ_ONLY_MIRROR: { status: 409, summary: 'This is a read-only mirror: it takes no messages. POST them to its primary (named in the message).' },
  MESSAGE_REJECTED: { status: 422, summary: 'The component refused this message for the current state (its reason, if it gave one, is in reason).' },
  STATE_TOO_LARGE: {
    status: 422,
    summary: 'The state this message would leave is larger than --max-state allows (size and limit named); nothing was committed.',
  },
  SEND_NOT_ALLOWED: {
    status: 403,
    summary: 'handle called send to a target whose origin --allow-send does not list; nothing was committed.',
  },
  // Component errors: the component misbehaved; the chain is unchanged and the worker re-spawned where needed.
  STATE_REJECTED: { status: 500, summary: "The component's state-contract refused the state that handle produced." },
  STATE_NOT_JSON: { status: 500, summary: 'The component returned a state that is not JSON (or has no canonical form).' },
  SEND_NOT_JSON: { status: 500, summary: 'The component called send with a message that is not JSON.' },
  COMPONENT_TRAP: { status: 500, summary: 'The component trapped; its instance was discarded and a fresh worker started.' },
  COMPONENT_OUT_OF_MEMORY: { status: 500, summary: 'The component hit the --max-memory limit; a fresh worker was started.' },
  WORKER_CRASHED: { status: 500, summary: "The component's worker thread died; a fresh worker was started." },
  COMPONENT_TIMEOUT: { status: 504, summary: 'A call into the component ran longer than --timeout; it was terminated and re-spawned.' },
  QUEUE_FULL: { status: 503, summary: 'More than --max-queue messages are waiting. Retry after the Retry-After delay.' },
  ACTOR_UNAVAILABLE: {
    status: 503,
    summary: 'The component exhausted its restart budget (or the runtime is shutting down); the runtime is exiting.',
  },
  NOT_READY: { status: 503, summary: 'GET /readyz: the runtime cannot serve a message right now (the reason is named).' },
  INTERNAL_ERROR: { status: 500, summary: 'An unexpected runtime error. The chain is unchanged; please report it.' },
  // Start-up and tool errors: reported by the CLI with a non-zero exit.
  COMPONENT_NOT_FOUND: {
    status: 500,
    summary: 'The component file cannot be read, or a component the chain names is neither given (--component), in the data dir, nor served by the runtime.',
  },
  COMPONENT_HASH_MISMATCH: {
    status: 500,
    summary: 'The bytes found for a component the chain names (in the data dir or from the runtime) do not hash to that name; they are not run.',
  },
  NOT_A_COMPONENT: { status: 500, summary: 'The file is not a WebAssembly component (a core module or other bytes).' },
  MISSING_EXPORTS: { status: 500, summary: 'The component does not export ntwk:simple-actor/actor with all four functions.' },
  UNSUPPORTED_ENCODING: { status: 500, summary: 'state and message must both be string (JSON text) or list<u8> (JSON bytes).' },
  UNSUPPORTED_IMPORTS: { status: 500, summary: 'The component imports interfaces the runtime cannot serve.' },
  MEMORY_LIMIT_TOO_LOW: { status: 500, summary: "The component's minimum memory is above --max-memory." },
  INSTANTIATE_FAILED: { status: 500, summary: 'The component could not be instantiated in the worker.' },
  INIT_FAILED: { status: 500, summary: 'init trapped, crashed or ran out of memory at start-up until the restart budget ran out.' },
  INIT_TIMEOUT: { status: 500, summary: 'init ran longer than --init-timeout at start-up until the restart budget ran out.' },
  INIT_STATE_INVALID: { status: 500, summary: 'init returned a state that is not JSON or that state-contract refused.' },
  INVALID_OPTION: { status: 500, summary: 'A command-line option is malformed.' },
  CHAIN_WRITE_FAILED: {
    status: 500,
    summary: 'Writing or syncing chain.ndjson failed; the message was not acknowledged and the runtime is exiting. Free space or fix the disk, then restart.',
  },
  CHAIN_CORRUPT: {
    status: 500,
    summary: 'A stored chain has an entry that is not canonical, does not link to the one before, or breaks the kind order; it was left untouched.',
  },
  CHAIN_COMPONENT_MISMATCH: {
    status: 500,
    summary:
      "run: the chain runs another component (its last upgrade's, or its genesis') than the one given; upgrade it (actorchain upgrade) or use another data dir. verify, mirror: the genesis names another component than the one given as an argument.",
  },
  UPGRADE_REFUSED: { status: 409, summary: 'The upgrade cannot be made (the chain already runs that component, or has no state yet); nothing was changed.' },
  UPGRADE_STATE_REJECTED: {
    status: 422,
    summary: "The new component's state-contract refused the state it would take over (migrated or carried over); nothing was changed.",
  },
  UPGRADE_NOT_ALLOWED: { status: 403, summary: 'POST /upgrade needs a runtime started with --token (and that token); this one has none.' },
  UPGRADE_MIGRATE_FAILED: {
    status: 422,
    summary: "The new component's migrate trapped, returned a state that is not JSON, or called send (an upgrade sends nothing); nothing was changed.",
  },
  REPLAY_DIFFERS: {
    status: 500,
    summary:
      'replay-check: the new component answers some recorded messages differently from the chain (refused, trapped, another state or other sends); the report names each by position and entry hash.',
  },
  CHAIN_DIVERGED: {
    status: 500,
    summary: 'Replaying the chain with the component did not give what the chain records (a state, the sends, or a contract).',
  },
  CHAIN_FORKED: {
    status: 500,
    summary: "The followed runtime's chain no longer extends the head already verified: its history was rewritten. Both heads are named.",
  },
  CHAIN_SOURCE_UNREADABLE: { status: 500, summary: 'The chain source (data dir, .ndjson file or runtime URL) cannot be read.' },
  DATA_DIR_LOCKED: {
    status: 500,
    summary: 'Another runtime holds the data dir (its pid is in <dir>/lock). Stop it, or remove the lock file if none runs.',
  },
  DELIVERY_RECORD_UNREADABLE: {
    status: 500,
    summary:
      "deliveries.ndjson in the data dir cannot be read (a directory, or not readable); move it aside and every send is delivered again (the receivers' keys make that harmless).",
  },
  IDENTITY_KEY_MISMATCH: {
    status: 500,
    summary: "The chain's genesis names another key than the runtime's: start with --key-file <the key that made the chain>.",
  },
  RECEIPT_INVALID: { status: 500, summary: "actorchain receipt check: the receipt's signature or inclusion proof does not hold." },
  CHAIN_EQUIVOCATED: {
    status: 500,
    summary: 'The runtime signed two checkpoints that cannot both be true (no consistency proof links them, or an entry differs); both signed notes are printed.',
  },
  LISTEN_FAILED: { status: 500, summary: 'The runtime could not listen on the address given.' },
  // Signed notes, checkpoints and the Merkle tree (src/tlog/).
  PROOF_OUT_OF_RANGE: {
    status: 400,
    summary: 'A proof was asked for an index or tree size the tree does not have (0 <= index < size <= the tree size; old <= size).',
  },
  NOTE_MALFORMED: {
    status: 500,
    summary: 'A signed note or verifier key is not in the signed-note format (c2sp.org/signed-note); the problem is named.',
  },
  NOTE_UNVERIFIED: {
    status: 500,
    summary: 'No signature on the note verifies with the keys given, or one from a known key is wrong; the key is named.',
  },
  CHECKPOINT_MALFORMED: {
    status: 500,
    summary: 'A checkpoint body is not origin, tree size and base64 root hash lines (c2sp.org/tlog-checkpoint); the line is named.',
  },
  KEY_FILE_INVALID: {
    status: 500,
    summary: 'The key file cannot be read or is not an Ed25519 private key in PKCS#8 PEM (openssl genpkey -algorithm ed25519).',
  },
  // `actorchain build` and `actorchain new`.
  BUILD_SOURCE_NOT_FOUND: { status: 500, summary: 'The actor source file given to build does not exist.' },
  BUILD_SYNTAX_ERROR: { status: 500, summary: 'The actor source (or a file it imports) does not parse; file, line and column are named.' },
  BUILD_IMPORT_NOT_FOUND: { status: 500, summary: 'The actor imports a file or package that cannot be found; install it or fix the path.' },
  BUILD_TYPE_ERROR: { status: 500, summary: 'The TypeScript actor does not type-check; each error is named with file and line (--no-check skips the check).' },
  BUILD_MISSING_EXPORTS: { status: 500, summary: 'The module does not export `actor`, or `actor` lacks one of init, handle, stateContract, messageContract (named).' },
  BUILD_EXPORTS_CONFLICT: {
    status: 500,
    summary: 'The module exports both `migration` and a top-level `migrate`; export the migration one way (one of them would be ignored).',
  },
  BUILD_LOAD_FAILED: { status: 500, summary: 'The module threw (or never finished) while it was loading, before any actor function was called.' },
  BUILD_COMPONENTIZE_FAILED: { status: 500, summary: 'componentize-js could not turn the bundled module into a component.' },
  BUILD_CANNOT_WRITE: {
    status: 500,
    summary: 'The build cannot write where it must: the component (-o) or the temporary directory (TMPDIR), named; refused before componentize-js runs.',
  },
  BUILD_RECORD_NOT_FOUND: {
    status: 500,
    summary: 'build --check: the component has no build record (<component>.build.json) to rebuild from; give the source (build <source> --check <component>).',
  },
  BUILD_NOT_REPRODUCED: {
    status: 500,
    summary: 'build --check: rebuilding from the recorded (or given) source gives another component; both hashes are named, with why where known.',
  },
  SCAFFOLD_DIR_NOT_EMPTY: { status: 500, summary: 'actorchain new writes only into a new or empty directory.' },
  SCAFFOLD_CANNOT_WRITE: { status: 500, summary: 'actorchain new cannot make or write the directory given.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ActorchainError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers, such as Retry-After for QUEUE_FULL. */
  readonly headers: Readonly<Record<string, string>>;
  /** Further problems found in the same check, reported with this one (a refused component's every fault). */
  readonly related: readonly ActorchainError[];
  /** Why the component refused (the reason it gave), answered as "reason" beside the code. */
  readonly reason: string | undefined;
  /** The component's own words on a fault (what it wrote to stderr), answered as "detail". */
  readonly detail: string | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: {
      cause?: unknown;
      headers?: Record<string, string>;
      related?: readonly ActorchainError[];
      reason?: string;
      detail?: string;
      /** Another status than the code's own, where a route answers it otherwise (POST /upgrade's unfit components). */
      status?: number;
    },
  ) {
    super(message ?? ERROR_CODES[code].summary, { cause: options?.cause });
    this.name = 'ActorchainError';
    this.code = code;
    this.status = options?.status ?? ERROR_CODES[code].status;
    this.headers = options?.headers ?? {};
    this.related = options?.related ?? [];
    this.reason = options?.reason;
    this.detail = options?.detail;
  }

  /** This error and its related ones, in order. */
  get all(): ActorchainError[] {
    return [this, ...this.related.flatMap((err) => err.all)];
  }

  /** Problems found together, as one error (the first's code) carrying the others; undefined for none. */
  static combine(problems: readonly ActorchainError[]): ActorchainError | undefined {
    const [first, ...rest] = problems.flatMap((err) => err.all);
    return first && new ActorchainError(first.code, first.message, { related: rest });
  }

  toJSON(): { error: { code: ErrorCode; message: string; reason?: string; detail?: string } } {
    const error: { code: ErrorCode; message: string; reason?: string; detail?: string } = { code: this.code, message: this.message };
    if (this.reason !== undefined) error.reason = this.reason;
    if (this.detail !== undefined) error.detail = this.detail;
    return { error };
  }
}

/** Why a file-system call failed, in a word (its code, such as ENOTDIR) where it has one. */
export function fsReason(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  return code ?? message;
}

export function isActorchainError(err: unknown): err is ActorchainError {
  return err instanceof ActorchainError;
}
