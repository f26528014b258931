/**
 * Table-driven validator tests: a valid baseline document, and rows that each mutate a copy of it
 * and name the exact problems expected (JSON path and the spec file of the section).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ValidationProblem } from '../../src/errors.js';

// biome-ignore lint/suspicious/noExplicitAny: rows mutate test documents freely, at any depth.
export type Doc = Record<string, any>;

export interface Row {
  name: string;
  mutate: (doc: Doc) => void;
  /** Expected problems as [jsonPath, spec file], e.g. ['$.layers[0].size', 'image-spec/descriptor.md']. */
  expect: [string, string][];
}

export type Validate = (doc: unknown, file: string) => ValidationProblem[];

export function clone<T>(doc: T): T {
  return structuredClone(doc);
}

/** Shows problems readably when an assertion fails. */
function show(problems: ValidationProblem[]): string {
  return problems.map((p) => `  ${p.jsonPath} (${p.section}): ${p.message}`).join('\n');
}

/** Asserts the problems are exactly `expected`, in any order. */
export function assertProblems(problems: ValidationProblem[], expected: [string, string][]): void {
  const got = problems.map((p) => [p.jsonPath, p.section.split('#')[0]] as [string, string]).sort();
  assert.deepEqual(got, [...expected].sort(), `problems were:\n${show(problems)}`);
  for (const p of problems) {
    assert.equal(p.file, 'doc.json');
    assert.match(p.section, /^(image|runtime)-spec\/[a-z-]+\.md#[a-z0-9-]+$/, `section ${p.section}`);
    assert.ok(p.message.length > 0);
  }
}

/** One test for the baseline and one per row. */
export function runTable(validate: Validate, baseline: Doc, rows: Row[]): void {
  test('the valid baseline has no problems', () => {
    assertProblems(validate(clone(baseline), 'doc.json'), []);
  });
  for (const row of rows) {
    test(row.name, () => {
      const doc = clone(baseline);
      row.mutate(doc);
      assertProblems(validate(doc, 'doc.json'), row.expect);
    });
  }
}
