import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HullError } from '../../src/errors.js';
import { formatReference, parseDockerReference, parseReference } from '../../src/transport/reference.js';

const D = `sha256:${'a'.repeat(64)}`;

const valid: Array<[string, object]> = [
  ['oci:/tmp/layout', { transport: 'oci', dir: '/tmp/layout' }],
  ['oci:/tmp/layout:latest', { transport: 'oci', dir: '/tmp/layout', tag: 'latest' }],
  ['oci:rel/dir:v1.0.0-vendor.0', { transport: 'oci', dir: 'rel/dir', tag: 'v1.0.0-vendor.0' }],
  ['oci:dir:a:b@c', { transport: 'oci', dir: 'dir', tag: 'a:b@c' }],
  ['oci:dir:example.com/app:1', { transport: 'oci', dir: 'dir', tag: 'example.com/app:1' }],
  ['oci-archive:/tmp/x.tar', { transport: 'oci-archive', file: '/tmp/x.tar' }],
  ['oci-archive:/tmp/x.tar:tag', { transport: 'oci-archive', file: '/tmp/x.tar', tag: 'tag' }],
  ['docker://busybox', { transport: 'docker', registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
  ['docker://busybox:1.36', { transport: 'docker', registry: 'docker.io', repository: 'library/busybox', tag: '1.36' }],
  ['docker://user/app', { transport: 'docker', registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
  [
    'docker://index.docker.io/busybox',
    { transport: 'docker', registry: 'docker.io', repository: 'library/busybox', tag: 'latest' },
  ],
  ['docker://quay.io/org/app:v2', { transport: 'docker', registry: 'quay.io', repository: 'org/app', tag: 'v2' }],
  [
    'docker://localhost:5000/app',
    { transport: 'docker', registry: 'localhost:5000', repository: 'app', tag: 'latest' },
  ],
  [
    'docker://localhost/a/b_c__d-e.f',
    { transport: 'docker', registry: 'localhost', repository: 'a/b_c__d-e.f', tag: 'latest' },
  ],
  [`docker://ghcr.io/o/app@${D}`, { transport: 'docker', registry: 'ghcr.io', repository: 'o/app', digest: D }],
  ['docker://[::1]:5000/app:t', { transport: 'docker', registry: '[::1]:5000', repository: 'app', tag: 't' }],
  ['docker-archive:/tmp/d.tar', { transport: 'docker-archive', file: '/tmp/d.tar' }],
  ['docker-archive:/tmp/d.tar:@1', { transport: 'docker-archive', file: '/tmp/d.tar', sourceIndex: 1 }],
  [
    'docker-archive:/tmp/d.tar:busybox:1',
    {
      transport: 'docker-archive',
      file: '/tmp/d.tar',
      reference: { registry: 'docker.io', repository: 'library/busybox', tag: '1' },
    },
  ],
];

const invalid: Array<[string, RegExp]> = [
  ['busybox', /expected TRANSPORT:REFERENCE/],
  ['/tmp/layout', /expected TRANSPORT:REFERENCE/],
  [':x', /expected TRANSPORT:REFERENCE/],
  ['foo:bar', /unknown transport 'foo'/],
  ['oci:', /DIR is empty/],
  ['oci::tag', /DIR is empty/],
  ['oci:dir:', /tag after the colon is empty/],
  ['oci:dir:bad tag', /not a valid tag/],
  ['oci:dir:-x', /not a valid tag/],
  [`oci:dir:@${D}`, /not supported/],
  ['oci-archive:', /FILE is empty/],
  ['docker:busybox', /docker:\/\/NAME/],
  ['docker://', /image name is empty/],
  ['docker://Busybox', /lowercase/],
  ['docker://busybox:-bad', /not a valid tag/],
  ['docker://busybox@sha256:123', /digest must be 64/],
  [`docker://busybox:1@${D}`, /not both/],
  ['docker://a//b', /not a valid repository component/],
  ['docker://-bad.io/x', /not a valid registry host/],
  [`docker://x/${'a'.repeat(300)}`, /longer than 255/],
  ['docker-archive:', /FILE is empty/],
  [`docker-archive:f.tar:busybox@${D}`, /not a digest/],
];

describe('parseReference', () => {
  for (const [text, want] of valid)
    it(`parses ${text}`, () => {
      assert.deepEqual(parseReference(text), want);
    });
  for (const [text, message] of invalid)
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseReference(text),
        (err: unknown) => {
          assert.ok(err instanceof HullError);
          assert.equal(err.code, 'REFERENCE_INVALID');
          assert.match(err.message, message);
          assert.ok(err.message.includes(text), 'message quotes the reference');
          return true;
        },
      );
    });

  it('normalises short names as docker does and formats back', () => {
    assert.deepEqual(parseDockerReference('busybox'), {
      registry: 'docker.io',
      repository: 'library/busybox',
      tag: 'latest',
    });
    assert.equal(formatReference(parseReference('docker://busybox')), 'docker://docker.io/library/busybox:latest');
    assert.equal(formatReference(parseReference('oci:d:t')), 'oci:d:t');
    assert.equal(formatReference(parseReference('oci-archive:f')), 'oci-archive:f');
    assert.equal(formatReference(parseReference('docker-archive:f:@2')), 'docker-archive:f:@2');
  });
});
