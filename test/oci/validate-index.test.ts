/** Image indexes (image-spec/image-index.md), Docker manifest lists, and the image layout files. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaType } from '../../src/oci/media-types.js';
import { detectDocumentType } from '../../src/oci/validate/detect.js';
import { validateIndex } from '../../src/oci/validate/index-doc.js';
import { validateLayoutIndex, validateOciLayoutFile } from '../../src/oci/validate/layout.js';
import { assertProblems, clone, type Doc, runTable } from './table.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const DESC = 'image-spec/descriptor.md';
const INDEX = 'image-spec/image-index.md';
const REF_NAME = 'org.opencontainers.image.ref.name';

const index: Doc = {
  schemaVersion: 2,
  mediaType: MediaType.imageIndex,
  manifests: [
    {
      mediaType: MediaType.imageManifest,
      size: 7143,
      digest: D('1'),
      platform: { architecture: 'ppc64le', os: 'linux' },
    },
    {
      mediaType: MediaType.imageManifest,
      size: 7682,
      digest: D('2'),
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.features': ['x'], 'os.version': '6' },
    },
    // Unknown media types MUST NOT generate an error (image-index.md).
    { mediaType: 'application/vnd.example.future.v9+json', size: 3, digest: D('3') },
  ],
  annotations: { 'com.example.key1': 'value1' },
};

describe('validateIndex', () => {
  runTable(validateIndex, index, [
    { name: 'manifests missing', mutate: (d) => delete d.manifests, expect: [['$.manifests', INDEX]] },
    { name: 'manifests empty is allowed', mutate: (d) => (d.manifests = []), expect: [] },
    { name: 'schemaVersion "2"', mutate: (d) => (d.schemaVersion = '2'), expect: [['$.schemaVersion', INDEX]] },
    {
      name: 'mediaType of a manifest',
      mutate: (d) => (d.mediaType = MediaType.imageManifest),
      expect: [['$.mediaType', INDEX]],
    },
    {
      name: 'platform without os',
      mutate: (d) => delete d.manifests[0].platform.os,
      expect: [['$.manifests[0].platform.os', INDEX]],
    },
    {
      name: 'platform architecture a number',
      mutate: (d) => (d.manifests[0].platform.architecture = 64),
      expect: [['$.manifests[0].platform.architecture', INDEX]],
    },
    {
      name: 'platform os.features not an array',
      mutate: (d) => (d.manifests[1].platform['os.features'] = 'x'),
      expect: [['$.manifests[1].platform["os.features"]', INDEX]],
    },
    {
      name: 'platform not an object',
      mutate: (d) => (d.manifests[1].platform = 'linux/arm64'),
      expect: [['$.manifests[1].platform', INDEX]],
    },
    {
      name: 'short digest',
      mutate: (d) => (d.manifests[1].digest = 'sha256:abc'),
      expect: [['$.manifests[1].digest', DESC]],
    },
    {
      name: 'unregistered algorithm',
      mutate: (d) => (d.manifests[2].digest = 'md5:abc'),
      expect: [['$.manifests[2].digest', DESC]],
    },
    { name: 'missing size', mutate: (d) => delete d.manifests[2].size, expect: [['$.manifests[2].size', DESC]] },
    { name: 'bad artifactType', mutate: (d) => (d.artifactType = 'sbom'), expect: [['$.artifactType', INDEX]] },
    {
      name: 'bad subject',
      mutate: (d) => (d.subject = { mediaType: MediaType.imageManifest, digest: D('4') }),
      expect: [['$.subject.size', DESC]],
    },
  ]);

  test('a Docker manifest list passes', () => {
    const list = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifestList,
      manifests: [
        {
          mediaType: MediaType.dockerManifest,
          size: 528,
          digest: D('5'),
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: MediaType.dockerManifest,
          size: 528,
          digest: D('6'),
          platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
        },
      ],
    };
    assertProblems(validateIndex(list, 'doc.json'), []);
  });
});

describe('image layout files', () => {
  test('oci-layout', () => {
    assertProblems(validateOciLayoutFile({ imageLayoutVersion: '1.0.0' }, 'doc.json'), []);
    assertProblems(validateOciLayoutFile({}, 'doc.json'), [['$.imageLayoutVersion', 'image-spec/image-layout.md']]);
    assertProblems(validateOciLayoutFile({ imageLayoutVersion: 1 }, 'doc.json'), [
      ['$.imageLayoutVersion', 'image-spec/image-layout.md'],
    ]);
    assertProblems(validateOciLayoutFile('1.0.0', 'doc.json'), [['$', 'image-spec/image-layout.md']]);
  });

  test('index.json ref.name annotations follow the grammar', () => {
    const doc = clone(index);
    for (const [i, name] of ['v1.0.0-vendor.0', 'example.com/app:2.0.0-debug', 'a--b@c+d'].entries()) {
      doc.manifests[i].annotations = { [REF_NAME]: name };
    }
    assertProblems(validateLayoutIndex(doc, 'doc.json'), []);
    for (const bad of ['', 'has space', '-lead', 'trail.', 'a//b', 'a---b', 'ü']) {
      doc.manifests[1].annotations = { [REF_NAME]: bad };
      assertProblems(validateLayoutIndex(doc, 'doc.json'), [
        [`$.manifests[1].annotations["${REF_NAME}"]`, 'image-spec/annotations.md'],
      ]);
    }
  });

  test('index.json is checked as an image index too', () => {
    const doc = clone(index);
    delete doc.manifests[0].digest;
    assertProblems(validateLayoutIndex(doc, 'doc.json'), [['$.manifests[0].digest', DESC]]);
  });
});

describe('detectDocumentType', () => {
  test('by mediaType', () => {
    assert.equal(detectDocumentType({ mediaType: MediaType.imageManifest }), 'manifest');
    assert.equal(detectDocumentType({ mediaType: MediaType.dockerManifest }), 'manifest');
    assert.equal(detectDocumentType({ mediaType: MediaType.imageIndex }), 'index');
    assert.equal(detectDocumentType({ mediaType: MediaType.dockerManifestList }), 'index');
    assert.equal(detectDocumentType({ mediaType: MediaType.imageConfig }), 'config');
  });
  test('by shape', () => {
    assert.equal(detectDocumentType({ schemaVersion: 2, manifests: [] }), 'index');
    assert.equal(detectDocumentType({ schemaVersion: 2, config: {}, layers: [] }), 'manifest');
    assert.equal(detectDocumentType({ architecture: 'amd64', os: 'linux', rootfs: {} }), 'config');
    assert.equal(detectDocumentType({ rootfs: { type: 'layers' } }), 'config');
  });
  test('unknown', () => {
    for (const doc of [null, [], 'x', 3, {}, { imageLayoutVersion: '1.0.0' }, { mediaType: 'application/json' }]) {
      assert.equal(detectDocumentType(doc), undefined);
    }
  });
});
