import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AccessRule,
  allowedActions,
  canListCatalog,
  globToRegExp,
  validateAccessRules,
} from '../../../src/registry/auth/access.js';

const rules: AccessRule[] = [
  { repository: 'team/*', users: ['alice'], actions: ['pull', 'push'] },
  { repository: 'team/secret', users: ['bob'], actions: ['*'] },
  { repository: 'public/*', anonymous: true, actions: ['pull'] },
  { repository: 'public/*', users: ['*'], actions: ['push'] },
  { repository: 'lib?', users: ['carol'], actions: ['delete'] },
];

describe('access rules', () => {
  const table: Array<[string | undefined, string, string[]]> = [
    ['alice', 'team/app', ['pull', 'push']],
    ['alice', 'team/a/b', ['pull', 'push']],
    ['alice', 'team', []],
    ['alice', 'teams/app', []],
    ['alice', 'team/secret', ['pull', 'push']],
    ['bob', 'team/secret', ['pull', 'push', 'delete']],
    ['bob', 'team/app', []],
    [undefined, 'team/app', []],
    [undefined, 'public/x', ['pull']],
    ['alice', 'public/x', ['pull', 'push']],
    ['dave', 'public/x', ['pull', 'push']],
    ['carol', 'lib1', ['delete']],
    ['carol', 'lib12', []],
  ];
  for (const [user, repo, want] of table) {
    it(`${user ?? 'anonymous'} on ${repo}: ${want.join(',') || 'nothing'}`, () => {
      assert.deepEqual([...allowedActions(rules, user, repo)].sort(), [...want].sort());
    });
  }

  it('without rules: authenticated users may do everything, anonymous nothing', () => {
    assert.deepEqual([...allowedActions(undefined, 'x', 'any/repo')].sort(), ['delete', 'pull', 'push']);
    assert.deepEqual([...allowedActions([], 'x', 'r')].sort(), ['delete', 'pull', 'push']);
    assert.deepEqual([...allowedActions(undefined, undefined, 'r')], []);
  });

  it('catalog: authenticated users, or anonymous when a rule grants registry:catalog:*', () => {
    assert.equal(canListCatalog(rules, 'alice'), true);
    assert.equal(canListCatalog(rules, undefined), false);
    assert.equal(
      canListCatalog([{ repository: 'registry:catalog:*', anonymous: true, actions: ['*'] }], undefined),
      true,
    );
    // `*` over repositories does not reach the catalog.
    assert.equal(canListCatalog([{ repository: '*', anonymous: true, actions: ['*'] }], undefined), false);
  });

  it('globs escape regex characters', () => {
    assert.equal(globToRegExp('a.b').test('axb'), false);
    assert.equal(globToRegExp('a.b').test('a.b'), true);
  });

  it('validates rules from a config', () => {
    assert.deepEqual(validateAccessRules([{ repository: '*', anonymous: true, actions: ['pull'] }]), [
      { repository: '*', anonymous: true, actions: ['pull'] },
    ]);
    assert.throws(
      () => validateAccessRules([{ repository: '*', users: ['a'], actions: ['write'] }]),
      /access\[0\]\.actions/,
    );
    assert.throws(() => validateAccessRules([{ repository: '*', actions: ['pull'] }]), /grants nothing/);
    assert.throws(() => validateAccessRules({}), /list of rules/);
  });
});
