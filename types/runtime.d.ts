/**
 * The host functions the actorchain runtime gives every actor: the `runtime` interface of
 * `ntwk:simple-actor` (src/wit/actor.wit). `actorchain build` keeps this module an import of
 * the component; the runtime serves it.
 */
declare module 'ntwk:simple-actor/runtime' {
  /** Writes a line to the runtime's log, tagged with the actor. Not part of the chain. */
  export function log(msg: string): void;
  /**
   * Delivers `msg` (JSON text) to the actor at `actorId`, the URL of another actorchain runtime,
   * once the state produced by the current `handle` is committed. The send is recorded in that
   * state's entry; sends from a call that fails are never delivered.
   */
  export function send(actorId: string, msg: string): void;
}
