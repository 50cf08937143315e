/**
 * Stopping a runtime or a mirror, written once for both: how a stop runs once whoever asks
 * (close(), a signal, a fatal error), how the HTTP server is drained, and, for the CLI only,
 * the signals that ask for it and the exit code it ends the process with.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ActorchainError } from '../errors.js';

/** How long, after the last message is answered, connections may take to finish at shutdown. */
export const SHUTDOWN_GRACE_MS = 2000;

/**
 * The signals that stop a runtime in order (the message in flight finished, the lock
 * released): SIGHUP and SIGUSR2 too, whose default action would end it on the spot.
 */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const;

/** How a runtime or mirror ended: 0 when asked to stop, 1 with the reason it stopped by itself. */
export interface StopOutcome {
  exitCode: 0 | 1;
  reason?: ActorchainError;
}

export interface Stop {
  /** Runs the stop once; later calls get the same promise. */
  stop(exitCode: 0 | 1, reason?: ActorchainError): Promise<void>;
  readonly stopping: boolean;
  /** Settles once the stop has run to its end. */
  stopped: Promise<StopOutcome>;
}

/** A stop made of `body`, run once whoever asks first. */
export function stopOnce(body: (exitCode: 0 | 1, reason?: ActorchainError) => Promise<void>): Stop {
  let running: Promise<void> | undefined;
  let settle!: (outcome: StopOutcome) => void;
  const stopped = new Promise<StopOutcome>((resolve) => (settle = resolve));
  return {
    stop: (exitCode, reason) => (running ??= body(exitCode, reason).then(() => settle(reason === undefined ? { exitCode } : { exitCode, reason }))),
    get stopping() {
      return running !== undefined;
    },
    stopped,
  };
}

/**
 * Stop accepting connections and close the idle ones now; `drained()` then waits for the
 * others (a client still sending a request gets SHUTDOWN_GRACE_MS, not the whole
 * --request-timeout) and closes what is left.
 */
export function stopAccepting(server: Server): { drained(wait?: boolean): Promise<void> } {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  return {
    async drained(wait = true) {
      if (wait) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
    },
  };
}

/** What the CLI needs of a started runtime or mirror to run it until it stops. */
export interface Service {
  /** A stop signal arrived: say so in the log and stop as close() does. */
  onSignal(signal: NodeJS.Signals): void;
  stopped: Promise<StopOutcome>;
}

/**
 * The CLI's `run` and `mirror`: start the service and end the process with its exit code
 * once it stops. The stop signals are taken from the start: one during start-up stops the
 * service as soon as it is up, rather than by the default action, which would leave the
 * data dir's lock behind.
 */
export async function serveUntilStopped(start: () => Promise<Service>): Promise<void> {
  let service: Service | undefined;
  let signalled: NodeJS.Signals | undefined;
  for (const signal of STOP_SIGNALS) process.on(signal, () => (service ? service.onSignal(signal) : (signalled ??= signal)));
  service = await start();
  if (signalled !== undefined) service.onSignal(signalled);
  const { exitCode } = await service.stopped;
  process.exit(exitCode);
}

/**
 * What a started runtime and a started mirror both give: the durable head, close() (as a stop
 * signal does), how it stopped, and the CLI's signal handler, which logs the signal first.
 */
export function serviceHandle<Head>(head: () => Head, stopper: Stop, log: Logger) {
  return {
    head,
    close: () => stopper.stop(0),
    stopped: stopper.stopped,
    onSignal(signal: NodeJS.Signals) {
      log.info({ signal }, 'shutting down');
      void stopper.stop(0);
    },
  };
}
