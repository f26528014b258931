/**
 * One base class for every error hull throws on purpose. `code` is stable (tests and the
 * registry's error JSON key on it); `file`, `jsonPath` and `section` say where the problem is
 * and which spec section decides it. The CLI prints `message` as one line and exits non-zero.
 */
export interface HullErrorDetails {
  /** The file (or blob, or reference) the problem is in. */
  file?: string;
  /** JSON path of the offending field, e.g. `$.layers[0].digest`. */
  jsonPath?: string;
  /** The spec section that decides, e.g. `image-spec/descriptor.md#digests`. */
  section?: string;
  cause?: unknown;
}

export class HullError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  readonly jsonPath: string | undefined;
  readonly section: string | undefined;

  constructor(code: string, message: string, details: HullErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'HullError';
    this.code = code;
    this.file = details.file;
    this.jsonPath = details.jsonPath;
    this.section = details.section;
  }
}

/** A problem found by a validator: where it is and what the spec says. */
export interface ValidationProblem {
  file: string;
  jsonPath: string;
  section: string;
  message: string;
}

export function formatProblem(p: ValidationProblem): string {
  return `${p.file}: ${p.jsonPath}: ${p.message} (${p.section})`;
}

export class ValidationError extends HullError {
  readonly problems: ValidationProblem[];
  constructor(problems: ValidationProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('INVALID', first ? `${formatProblem(first)}${more}` : 'invalid', {
      file: first?.file,
      jsonPath: first?.jsonPath,
      section: first?.section,
    });
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Node's system errors carry `code` (ENOENT, EACCES...); this narrows to them. */
export function isErrno(err: unknown, code?: string): err is NodeJS.ErrnoException {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (err as NodeJS.ErrnoException).code === code)
  );
}
