// STUB: replaced by the validator work. Returns the problems found in `doc`.
import type { ValidationProblem } from '../../errors.js';

export function validateIndex(_doc: unknown, _file: string): ValidationProblem[] {
  return [];
}
