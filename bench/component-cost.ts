/**
 * What one message costs in the component and across the thread, measured the same way by
 * every benchmark that breaks a message down: the three calls in process, the whole
 * transition in process, and the worker hop (a supervisor's apply less the transition).
 */
import { pino } from 'pino';
import { runMessage } from '../src/actor/transition.js';
import { instantiateActor } from '../src/component/instance.js';
import { Recorder } from '../src/component/journal.js';
import { instanceSpec, type LoadedComponent } from '../src/component/load.js';
import { Supervisor } from '../src/supervisor/supervisor.js';

export interface ComponentCost {
  /** message-contract, handle and state-contract, called directly. */
  calls: number;
  /** The transition run uses, in process. */
  inProcess: number;
  /** The worker hop: a difference of two medians, so it can come out below zero when lost in noise. */
  hop: number;
}

/** `median` times a function over the caller's number of runs, in ms. */
export async function componentCost(component: LoadedComponent, canonical: string, median: (run: () => unknown) => Promise<number>): Promise<ComponentCost> {
  const recorder = new Recorder();
  const instance = await instantiateActor(instanceSpec(component), { log: () => {}, tape: recorder });
  const calls = await median(() => {
    instance.messageContract(canonical, canonical);
    instance.handle(canonical, canonical);
    instance.stateContract(canonical);
  });
  const inProcess = await median(() => runMessage(instance, canonical, canonical, { journal: () => recorder.take(false) }));
  const options = { instantiateTimeoutMs: 10_000, maxRestarts: 1, restartWindowMs: 1000, allowedOrigins: [] };
  const supervisor = await Supervisor.start(component, options, pino({ level: 'silent' }));
  // The chain's state, asked only for the first message: the worker holds the state after that.
  const committedState = () => Promise.resolve(canonical);
  const hop = (await median(() => supervisor.apply(canonical, committedState, 5000))) - inProcess;
  await supervisor.close();
  return { calls, inProcess, hop };
}
