/**
 * Starting the supervisor of an actor's component (its worker, then a standby) from the
 * actor's options: what Actor.start waits for, begun apart so that a runtime can start it
 * while its chain is being checked, and what a live upgrade starts for its new component.
 */
import type { Logger } from 'pino';
import type { LoadedComponent } from '../component/load.js';
import { Supervisor } from '../supervisor/supervisor.js';
import type { ActorOptions } from './actor.js';

/** What starting the worker needs of the options. */
export type SupervisorStartOptions = Pick<ActorOptions, 'initTimeoutMs' | 'maxRestarts' | 'restartWindowMs' | 'allowedSendOrigins' | 'maxStateBytes' | 'onRestart'>;

export function startSupervisor(component: LoadedComponent, options: SupervisorStartOptions, logger: Logger): Promise<Supervisor> {
  return Supervisor.start(
    component,
    {
      instantiateTimeoutMs: options.initTimeoutMs,
      maxRestarts: options.maxRestarts,
      restartWindowMs: options.restartWindowMs,
      allowedOrigins: options.allowedSendOrigins,
      maxStateBytes: options.maxStateBytes,
      onRestart: options.onRestart,
    },
    logger,
  );
}
