/**
 * A small walker for JSON documents that collects every problem (never stops at the first) with
 * a JSON path such as `$.layers[0].digest` and the spec section that decides it. The validators
 * of image-spec and runtime-spec documents are written on top of it.
 *
 * Unknown properties are never reported: image-spec/config.md#properties and
 * runtime-spec/config.md#extensibility both say implementations MUST ignore them.
 */
import type { ValidationProblem } from '../../errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.a` + `b` → `$.a.b`; keys that are not identifiers are quoted (`$.a["os.version"]`); numbers index. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Integer ranges of the JSON types the specs name (runtime-spec/config.md uses Go's integer types). */
export interface IntRange {
  name: string;
  min: number;
  max: number;
}

export const Int = {
  uint8: { name: 'uint8', min: 0, max: 255 },
  uint16: { name: 'uint16', min: 0, max: 0xffff },
  int32: { name: 'int32', min: -(2 ** 31), max: 2 ** 31 - 1 },
  uint32: { name: 'uint32', min: 0, max: 2 ** 32 - 1 },
  // JSON numbers beyond 2^53 are not exact in JavaScript; the bounds are the nearest doubles.
  int64: { name: 'int64', min: -(2 ** 63), max: 2 ** 63 },
  uint64: { name: 'uint64', min: 0, max: 2 ** 64 },
} as const satisfies Record<string, IntRange>;

export function range(name: string, min: number, max: number): IntRange {
  return { name, min, max };
}

export interface FieldOptions {
  required?: boolean;
}

/** Problems accumulate in `problems`; every reader returns the value only when it is well-typed. */
export class Checker {
  readonly problems: ValidationProblem[] = [];
  readonly file: string;
  /** image-spec/config.md#properties: "Any OPTIONAL field MAY also be set to null". */
  private readonly nullIsAbsent: boolean;

  constructor(file: string, options: { nullIsAbsent?: boolean } = {}) {
    this.file = file;
    this.nullIsAbsent = options.nullIsAbsent ?? false;
  }

  report(jsonPath: string, section: string, message: string): void {
    this.problems.push({ file: this.file, jsonPath, section, message });
  }

  /** The value of `obj[key]`, or undefined when absent (reported when required). */
  field(obj: JsonObject, key: string, path: string, section: string, opts: FieldOptions = {}): unknown {
    const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (value === undefined || (value === null && this.nullIsAbsent)) {
      if (opts.required) this.report(childPath(path, key), section, `'${key}' is required`);
      return undefined;
    }
    return value;
  }

  // --- value checks: report at `path` and narrow -------------------------------------------

  isString(value: unknown, path: string, section: string): value is string {
    if (typeof value === 'string') return true;
    this.report(path, section, `must be a string, not ${describe(value)}`);
    return false;
  }

  isBoolean(value: unknown, path: string, section: string): value is boolean {
    if (typeof value === 'boolean') return true;
    this.report(path, section, `must be a boolean, not ${describe(value)}`);
    return false;
  }

  isInteger(value: unknown, path: string, section: string, r: IntRange): value is number {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.report(path, section, `must be an integer (${r.name}), not ${describe(value)}`);
      return false;
    }
    if (value < r.min || value > r.max) {
      this.report(path, section, `${value} is out of range for ${r.name} (${r.min}..${r.max})`);
      return false;
    }
    return true;
  }

  isObject(value: unknown, path: string, section: string): value is JsonObject {
    if (isObject(value)) return true;
    this.report(path, section, `must be an object, not ${describe(value)}`);
    return false;
  }

  isArray(value: unknown, path: string, section: string): value is unknown[] {
    if (Array.isArray(value)) return true;
    this.report(path, section, `must be an array, not ${describe(value)}`);
    return false;
  }

  // --- field readers: `obj[key]` checked, path built --------------------------------------

  string(obj: JsonObject, key: string, path: string, section: string, opts: FieldOptions = {}): string | undefined {
    const value = this.field(obj, key, path, section, opts);
    return value !== undefined && this.isString(value, childPath(path, key), section) ? value : undefined;
  }

  boolean(obj: JsonObject, key: string, path: string, section: string, opts: FieldOptions = {}): boolean | undefined {
    const value = this.field(obj, key, path, section, opts);
    return value !== undefined && this.isBoolean(value, childPath(path, key), section) ? value : undefined;
  }

  integer(
    obj: JsonObject,
    key: string,
    path: string,
    section: string,
    r: IntRange,
    opts: FieldOptions = {},
  ): number | undefined {
    const value = this.field(obj, key, path, section, opts);
    return value !== undefined && this.isInteger(value, childPath(path, key), section, r) ? value : undefined;
  }

  object(obj: JsonObject, key: string, path: string, section: string, opts: FieldOptions = {}): JsonObject | undefined {
    const value = this.field(obj, key, path, section, opts);
    return value !== undefined && this.isObject(value, childPath(path, key), section) ? value : undefined;
  }

  array(obj: JsonObject, key: string, path: string, section: string, opts: FieldOptions = {}): unknown[] | undefined {
    const value = this.field(obj, key, path, section, opts);
    return value !== undefined && this.isArray(value, childPath(path, key), section) ? value : undefined;
  }

  /** A string that must be one of `values`. */
  oneOf<T extends string>(
    obj: JsonObject,
    key: string,
    path: string,
    section: string,
    values: readonly T[],
    opts: FieldOptions = {},
  ): T | undefined {
    const value = this.string(obj, key, path, section, opts);
    if (value === undefined) return undefined;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.report(childPath(path, key), section, `'${value}' is not one of ${values.join(', ')}`);
    return undefined;
  }

  /** An array of strings; `each` sees every string element with its path. */
  stringArray(
    obj: JsonObject,
    key: string,
    path: string,
    section: string,
    opts: FieldOptions = {},
    each?: (value: string, path: string, index: number) => void,
  ): string[] | undefined {
    const list = this.array(obj, key, path, section, opts);
    if (!list) return undefined;
    const base = childPath(path, key);
    let ok = true;
    list.forEach((item, i) => {
      const p = childPath(base, i);
      if (this.isString(item, p, section)) each?.(item, p, i);
      else ok = false;
    });
    return ok ? (list as string[]) : undefined;
  }

  /** An array of objects; `each` sees every object element with its path. */
  objectArray(
    obj: JsonObject,
    key: string,
    path: string,
    section: string,
    opts: FieldOptions,
    each: (value: JsonObject, path: string, index: number) => void,
  ): unknown[] | undefined {
    const list = this.array(obj, key, path, section, opts);
    if (!list) return undefined;
    const base = childPath(path, key);
    list.forEach((item, i) => {
      const p = childPath(base, i);
      if (this.isObject(item, p, section)) each(item, p, i);
    });
    return list;
  }

  /** An object whose values are all strings (annotations, labels, sysctl...). */
  stringMap(
    obj: JsonObject,
    key: string,
    path: string,
    section: string,
    opts: FieldOptions = {},
    each?: (key: string, value: string, path: string) => void,
  ): Record<string, string> | undefined {
    const map = this.object(obj, key, path, section, opts);
    if (!map) return undefined;
    const base = childPath(path, key);
    for (const [k, v] of Object.entries(map)) {
      const p = childPath(base, k);
      if (this.isString(v, p, section)) each?.(k, v, p);
    }
    return map as Record<string, string>;
  }

  /** An object whose values are objects; `each` sees every entry. */
  objectMap(
    obj: JsonObject,
    key: string,
    path: string,
    section: string,
    opts: FieldOptions,
    each: (key: string, value: JsonObject, path: string) => void,
  ): JsonObject | undefined {
    const map = this.object(obj, key, path, section, opts);
    if (!map) return undefined;
    const base = childPath(path, key);
    for (const [k, v] of Object.entries(map)) {
      const p = childPath(base, k);
      if (this.isObject(v, p, section)) each(k, v, p);
    }
    return map;
  }
}

/** A short description of a JSON value's type for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
