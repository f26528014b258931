/**
 * The distribution-spec's error codes (spec.md#error-codes) as data: code, default message and
 * HTTP status, like distribution's registry/api/errcode. The server answers with
 * `{"errors":[{code,message,detail}]}`; the client turns such bodies back into RegistryErrors.
 */
import { HullError } from '../../errors.js';

export interface ErrorDescriptor {
  code: string;
  message: string;
  status: number;
}

function code(c: string, message: string, status: number): ErrorDescriptor {
  return { code: c, message, status };
}

/** spec.md#error-codes code-1 … code-14, with the statuses the endpoint table gives. */
export const ErrorCodes = {
  BLOB_UNKNOWN: code('BLOB_UNKNOWN', 'blob unknown to registry', 404),
  BLOB_UPLOAD_INVALID: code('BLOB_UPLOAD_INVALID', 'blob upload invalid', 400),
  BLOB_UPLOAD_UNKNOWN: code('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', 404),
  DIGEST_INVALID: code('DIGEST_INVALID', 'provided digest did not match uploaded content', 400),
  MANIFEST_BLOB_UNKNOWN: code(
    'MANIFEST_BLOB_UNKNOWN',
    'manifest references a manifest or blob unknown to registry',
    404,
  ),
  MANIFEST_INVALID: code('MANIFEST_INVALID', 'manifest invalid', 400),
  MANIFEST_UNKNOWN: code('MANIFEST_UNKNOWN', 'manifest unknown to registry', 404),
  NAME_INVALID: code('NAME_INVALID', 'invalid repository name', 400),
  NAME_UNKNOWN: code('NAME_UNKNOWN', 'repository name not known to registry', 404),
  SIZE_INVALID: code('SIZE_INVALID', 'provided length did not match content length', 400),
  UNAUTHORIZED: code('UNAUTHORIZED', 'authentication required', 401),
  DENIED: code('DENIED', 'requested access to the resource is denied', 403),
  UNSUPPORTED: code('UNSUPPORTED', 'the operation is unsupported', 405),
  TOOMANYREQUESTS: code('TOOMANYREQUESTS', 'too many requests', 429),
  // Not in the spec's table, but the statuses it names need a body too (end-5 416, end-7 413).
  RANGE_INVALID: code('RANGE_INVALID', 'requested range not satisfiable', 416),
  MANIFEST_TOO_LARGE: code('SIZE_INVALID', 'manifest too large', 413),
} as const satisfies Record<string, ErrorDescriptor>;

export type ErrorCodeName = keyof typeof ErrorCodes;

/** An error with a distribution-spec code: thrown by handlers, and by the client from error bodies. */
export class RegistryError extends HullError {
  readonly status: number;
  readonly detail: unknown;
  readonly descriptor: ErrorDescriptor;
  constructor(name: ErrorCodeName, message?: string, detail?: unknown, status?: number) {
    const d = ErrorCodes[name];
    super(d.code, message ?? d.message, { section: 'distribution-spec/spec.md#error-codes' });
    this.name = 'RegistryError';
    this.descriptor = d;
    this.status = status ?? d.status;
    this.detail = detail;
  }

  /** The spec's error body. */
  body(): { errors: Array<{ code: string; message: string; detail?: unknown }> } {
    return {
      errors: [
        {
          code: this.descriptor.code,
          message: this.message,
          ...(this.detail === undefined ? {} : { detail: this.detail }),
        },
      ],
    };
  }
}
