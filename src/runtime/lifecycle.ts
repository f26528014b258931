/**
 * The lifecycle as an explicit state machine (ARCHITECTURE.md idea 9; runtime.md#lifecycle and
 * #operations): which operation may run in which status. Each operation file asks `guard` before
 * touching anything, so a refused operation "MUST have no effect on the container".
 */
import { HullError } from '../errors.js';
import type { LiveStatus } from './state/status.js';

export type Operation = 'start' | 'kill' | 'delete' | 'pause' | 'resume' | 'exec';

const ALLOWED: Record<Operation, readonly LiveStatus[]> = {
  // runtime.md#start: "Attempting to start a container that is not created MUST have no effect ... and MUST generate an error."
  start: ['created'],
  // runtime.md#kill: "Attempting to send a signal to a container that is neither created nor running MUST have no effect ... and MUST generate an error."
  kill: ['created', 'running', 'paused'],
  // runtime.md#delete: "Attempting to delete a container that is not stopped MUST have no effect ... and MUST generate an error."
  delete: ['stopped'],
  pause: ['created', 'running'],
  // runc: pause/resume freeze and thaw the cgroup; exec needs live, unfrozen processes.
  resume: ['paused'],
  exec: ['created', 'running'],
};

const SECTION: Record<Operation, string> = {
  start: 'runtime-spec/runtime.md#start',
  kill: 'runtime-spec/runtime.md#kill',
  delete: 'runtime-spec/runtime.md#delete',
  pause: 'runtime-spec/runtime.md#state',
  resume: 'runtime-spec/runtime.md#state',
  exec: 'runtime-spec/runtime.md#operations',
};

export function canDo(op: Operation, status: LiveStatus): boolean {
  return ALLOWED[op].includes(status);
}

export function guard(op: Operation, id: string, status: LiveStatus): void {
  if (!canDo(op, status)) {
    throw new HullError(
      'BAD_STATE',
      `cannot ${op} container ${id}: it is ${status} (${op} needs ${ALLOWED[op].join(' or ')})`,
      { section: SECTION[op] },
    );
  }
}
