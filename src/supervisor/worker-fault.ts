/** What a call into the actor's thread can end with besides a verdict. */
import type { Verdict } from '../actor/transition.js';
import { FAULT_CODES, type Fault } from '../component/calls.js';
import { ActorchainError } from '../errors.js';

/** A fault that cost the worker: the supervisor replaces it. */
export class WorkerFaultError extends ActorchainError {
  readonly fault: Fault;
  constructor(fault: Fault, message: string, detail?: string) {
    super(FAULT_CODES[fault], message, { detail });
    this.fault = fault;
  }
}

/**
 * A message this worker accepted but did not apply because an earlier one cost the worker
 * (a fault): nothing of it counts, and the supervisor sends it to the next worker.
 */
export class NotAppliedError extends Error {}

/** Every verdict but a fault, which is thrown as a WorkerFaultError instead. */
export type CallVerdict = Exclude<Verdict, { verdict: 'fault' }>;

/** The verdict, or the fault it reports thrown as a WorkerFaultError. */
export function settled(verdict: Verdict): CallVerdict {
  if (verdict.verdict !== 'fault') return verdict;
  const { fault, fn, message, detail } = verdict;
  throw new WorkerFaultError(fault, `${fn} ${fault === 'trap' ? 'trapped' : 'ran out of memory'}: ${message}`, detail);
}
