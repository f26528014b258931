/** Image manifests (image-spec/manifest.md), descriptors (descriptor.md) and Docker schema2. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { validateDescriptor } from '../../src/oci/validate/descriptor.js';
import { validateManifest } from '../../src/oci/validate/manifest.js';
import { parseManifest } from '../../src/oci/validate/parse.js';
import { assertProblems, clone, type Doc, runTable } from './table.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const DESC = 'image-spec/descriptor.md';
const MANIFEST = 'image-spec/manifest.md';
const ANNOTATIONS = 'image-spec/annotations.md';
const EMPTY = { mediaType: MediaType.emptyJSON, digest: digestOf('{}'), size: 2, data: 'e30=' };

const manifest: Doc = {
  schemaVersion: 2,
  mediaType: MediaType.imageManifest,
  config: { mediaType: MediaType.imageConfig, digest: D('a'), size: 7023 },
  layers: [
    { mediaType: MediaType.layerTarGzip, digest: D('b'), size: 32654 },
    {
      mediaType: MediaType.layerTarZstd,
      digest: `sha512:${'c'.repeat(128)}`,
      size: 0,
      urls: ['https://example.com/l'],
    },
  ],
  subject: {
    mediaType: MediaType.imageManifest,
    digest: D('d'),
    size: 7682,
    artifactType: 'application/vnd.example+type',
  },
  annotations: { 'com.example.key1': 'value1', 'org.opencontainers.image.created': '' },
};

describe('validateManifest', () => {
  runTable(validateManifest, manifest, [
    { name: 'schemaVersion missing', mutate: (d) => delete d.schemaVersion, expect: [['$.schemaVersion', MANIFEST]] },
    { name: 'schemaVersion 1', mutate: (d) => (d.schemaVersion = 1), expect: [['$.schemaVersion', MANIFEST]] },
    {
      name: 'mediaType of an index',
      mutate: (d) => (d.mediaType = MediaType.imageIndex),
      expect: [['$.mediaType', MANIFEST]],
    },
    { name: 'mediaType not a string', mutate: (d) => (d.mediaType = 2), expect: [['$.mediaType', MANIFEST]] },
    { name: 'config missing', mutate: (d) => delete d.config, expect: [['$.config', MANIFEST]] },
    {
      name: 'config digest upper-case hex',
      mutate: (d) => (d.config.digest = D('A')),
      expect: [['$.config.digest', DESC]],
    },
    {
      name: 'config digest without algorithm',
      mutate: (d) => (d.config.digest = 'a'.repeat(64)),
      expect: [['$.config.digest', DESC]],
    },
    { name: 'negative layer size', mutate: (d) => (d.layers[1].size = -1), expect: [['$.layers[1].size', DESC]] },
    { name: 'fractional layer size', mutate: (d) => (d.layers[0].size = 1.5), expect: [['$.layers[0].size', DESC]] },
    { name: 'size as a string', mutate: (d) => (d.layers[0].size = '12'), expect: [['$.layers[0].size', DESC]] },
    {
      name: 'layer mediaType not RFC 6838',
      mutate: (d) => (d.layers[0].mediaType = 'tar+gzip'),
      expect: [['$.layers[0].mediaType', DESC]],
    },
    {
      name: 'layer mediaType missing',
      mutate: (d) => delete d.layers[0].mediaType,
      expect: [['$.layers[0].mediaType', DESC]],
    },
    { name: 'layers not an array', mutate: (d) => (d.layers = {}), expect: [['$.layers', MANIFEST]] },
    { name: 'layers missing', mutate: (d) => delete d.layers, expect: [['$.layers', MANIFEST]] },
    { name: 'empty layers are allowed (SHOULD, not MUST)', mutate: (d) => (d.layers = []), expect: [] },
    {
      name: 'a layer that is not an object',
      mutate: (d) => (d.layers[0] = 'sha256:x'),
      expect: [['$.layers[0]', DESC]],
    },
    {
      name: 'url that is not a URI',
      mutate: (d) => (d.layers[1].urls = ['not a uri']),
      expect: [['$.layers[1].urls[0]', DESC]],
    },
    {
      name: 'annotation value not a string',
      mutate: (d) => (d.annotations['com.example.n'] = 1),
      expect: [['$.annotations["com.example.n"]', ANNOTATIONS]],
    },
    { name: 'annotations an array', mutate: (d) => (d.annotations = ['a']), expect: [['$.annotations', ANNOTATIONS]] },
    { name: 'subject without digest', mutate: (d) => delete d.subject.digest, expect: [['$.subject.digest', DESC]] },
    { name: 'bad artifactType', mutate: (d) => (d.artifactType = 'example'), expect: [['$.artifactType', MANIFEST]] },
    {
      name: 'empty config needs artifactType',
      mutate: (d) => (d.config = clone(EMPTY)),
      expect: [['$.artifactType', MANIFEST]],
    },
    {
      name: 'an artifact with the empty config',
      mutate: (d) =>
        Object.assign(d, {
          artifactType: 'application/vnd.example+type',
          config: clone(EMPTY),
          layers: [clone(EMPTY)],
        }),
      expect: [],
    },
    {
      name: 'data that does not match the digest',
      mutate: (d) => Object.assign(d.config, { digest: digestOf('{}'), size: 2, data: 'W10=' }),
      expect: [['$.config.data', DESC]],
    },
    {
      name: 'data that does not match the size',
      mutate: (d) => Object.assign(d.config, { data: 'e30=', digest: digestOf('{}'), size: 3 }),
      expect: [['$.config.data', DESC]],
    },
    {
      name: 'data not base64',
      mutate: (d) => Object.assign(d.config, { digest: digestOf('{}'), size: 2, data: 'e30' }),
      expect: [['$.config.data', DESC]],
    },
    {
      name: 'platform without os',
      mutate: (d) => (d.subject.platform = { architecture: 'amd64' }),
      expect: [['$.subject.platform.os', 'image-spec/image-index.md']],
    },
    {
      name: 'every problem is collected',
      mutate: (d) => Object.assign(d, { schemaVersion: 3, layers: [{ mediaType: 'x', digest: 'y', size: -1 }] }),
      expect: [
        ['$.schemaVersion', MANIFEST],
        ['$.layers[0].mediaType', DESC],
        ['$.layers[0].digest', DESC],
        ['$.layers[0].size', DESC],
      ],
    },
  ]);

  test('a document that is not an object', () => {
    assertProblems(validateManifest([], 'doc.json'), [['$', MANIFEST]]);
    assertProblems(validateManifest(null, 'doc.json'), [['$', MANIFEST]]);
  });

  test('a Docker schema2 manifest passes', () => {
    const docker = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, size: 1469, digest: D('e') },
      layers: [
        { mediaType: MediaType.dockerLayerGzip, size: 3370706, digest: D('f') },
        {
          mediaType: MediaType.dockerForeignLayerGzip,
          size: 1,
          digest: D('0'),
          urls: ['https://mcr.microsoft.com/v2/windows/blobs/sha256:0'],
        },
      ],
    };
    assertProblems(validateManifest(docker, 'doc.json'), []);
  });

  test('parseManifest throws a ValidationError naming the path', () => {
    const bad = clone(manifest);
    bad.layers[0].digest = 'sha256:00';
    assert.throws(
      () => parseManifest(JSON.stringify(bad), 'blobs/sha256/x'),
      (err: unknown) =>
        err instanceof ValidationError && err.jsonPath === '$.layers[0].digest' && err.file === 'blobs/sha256/x',
    );
    assert.deepEqual(parseManifest(JSON.stringify(manifest), 'm'), manifest);
  });
});

describe('validateDescriptor', () => {
  test('reports at the given JSON path', () => {
    const problems = validateDescriptor({ mediaType: 'a/b', digest: D('1'), size: -2 }, 'doc.json', '$.manifests[3]');
    assertProblems(problems, [['$.manifests[3].size', DESC]]);
  });
  test('the empty descriptor with embedded data passes', () => {
    assertProblems(validateDescriptor(EMPTY, 'doc.json'), []);
  });
  test('media types with RFC 6838 punctuation pass', () => {
    for (const mediaType of ['application/vnd.cncf.helm.chart.content.v1.tar+gzip', 'text/x-a!b#c$d&e^f_g']) {
      assertProblems(validateDescriptor({ mediaType, digest: D('1'), size: 0 }, 'doc.json'), []);
    }
    for (const mediaType of ['application/json; charset=utf-8', '/json', 'application/', 'a/b/c', '.a/b']) {
      assertProblems(validateDescriptor({ mediaType, digest: D('1'), size: 0 }, 'doc.json'), [['$.mediaType', DESC]]);
    }
  });
});
