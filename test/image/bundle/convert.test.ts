/**
 * convertImageConfig (image-spec/conversion.md): args, env, cwd, user, annotations, volumes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { convertImageConfig } from '../../../src/image/bundle/convert.js';
import { DEFAULT_PATH } from '../../../src/image/bundle/default-spec.js';
import type { ImageConfig, ImageExecConfig } from '../../../src/oci/types.js';
import { busyboxRootfs } from '../../helpers/fixtures.js';

const rootfs = busyboxRootfs();

function image(config?: ImageExecConfig | null, extra: Partial<ImageConfig> = {}): ImageConfig {
  const img: ImageConfig = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, ...extra };
  if (config !== undefined) img.config = config as ImageExecConfig;
  return img;
}

describe('process.args (conversion.md#verbatim-fields note 2)', () => {
  const table: [string, ImageExecConfig, string[]][] = [
    ['Entrypoint only', { Entrypoint: ['/bin/echo', 'hi'] }, ['/bin/echo', 'hi']],
    ['Cmd only', { Cmd: ['/bin/sh', '-c', 'true'] }, ['/bin/sh', '-c', 'true']],
    ['both: Cmd appended to Entrypoint', { Entrypoint: ['/bin/echo'], Cmd: ['a', 'b'] }, ['/bin/echo', 'a', 'b']],
    // Neither: no command is invented (umoci keeps runc's "sh"; see convert.ts).
    ['neither', {}, []],
    ['null Entrypoint and Cmd', { Entrypoint: null, Cmd: null }, []],
    ['empty Entrypoint, Cmd', { Entrypoint: [], Cmd: ['x'] }, ['x']],
  ];
  for (const [name, cfg, want] of table) {
    it(name, () => {
      assert.deepEqual(convertImageConfig(image(cfg), rootfs).process?.args, want);
    });
  }
  it('a null config gives empty args and the defaults', () => {
    const s = convertImageConfig(image(null), rootfs);
    assert.deepEqual(s.process?.args, []);
    assert.equal(s.process?.cwd, '/');
  });
});

describe('process.env (conversion.md#verbatim-fields note 1)', () => {
  it('image PATH replaces the default in place; others are appended in order; HOME from passwd', () => {
    const s = convertImageConfig(image({ Env: ['FOO=bar', 'PATH=/x', 'EMPTY=', 'EQ=a=b'] }), rootfs);
    assert.deepEqual(s.process?.env, ['PATH=/x', 'TERM=xterm', 'FOO=bar', 'EMPTY=', 'EQ=a=b', 'HOME=/root']);
  });
  it('without an image PATH the default PATH stays', () => {
    const s = convertImageConfig(image({ Env: ['A=1'] }), rootfs);
    assert.deepEqual(s.process?.env, [DEFAULT_PATH, 'TERM=xterm', 'A=1', 'HOME=/root']);
  });
  it('TERM only when terminal; an image TERM is kept either way', () => {
    assert.deepEqual(convertImageConfig(image({}), rootfs, { terminal: false }).process?.env, [
      DEFAULT_PATH,
      'HOME=/root',
    ]);
    assert.deepEqual(convertImageConfig(image({ Env: ['TERM=dumb'] }), rootfs, { terminal: false }).process?.env, [
      DEFAULT_PATH,
      'TERM=dumb',
      'HOME=/root',
    ]);
    assert.deepEqual(convertImageConfig(image({ Env: ['TERM=dumb'] }), rootfs).process?.env, [
      DEFAULT_PATH,
      'TERM=dumb',
      'HOME=/root',
    ]);
    assert.equal(convertImageConfig(image({}), rootfs, { terminal: false }).process?.terminal, false);
  });
  it('an image HOME is never overridden by the passwd home', () => {
    const s = convertImageConfig(image({ Env: ['HOME=/data'], User: 'user' }), rootfs);
    assert.deepEqual(s.process?.env, [DEFAULT_PATH, 'TERM=xterm', 'HOME=/data']);
  });
  it('no HOME when no passwd entry matched', () => {
    const s = convertImageConfig(image({ User: '4242' }), rootfs);
    assert.deepEqual(s.process?.env, [DEFAULT_PATH, 'TERM=xterm']);
  });
  it('a repeated name keeps the last value', () => {
    assert.deepEqual(convertImageConfig(image({ Env: ['A=1', 'A=2'] }), rootfs).process?.env?.slice(2, 3), ['A=2']);
  });
  it('an entry without NAME= is IMAGE_CONFIG_INVALID', () => {
    for (const bad of ['NOEQUALS', '=value']) {
      assert.throws(
        () => convertImageConfig(image({ Env: ['OK=1', bad] }), rootfs),
        (err: unknown) =>
          err instanceof HullError && err.code === 'IMAGE_CONFIG_INVALID' && err.jsonPath === '$.config.Env[1]',
      );
    }
  });
});

describe('cwd, user, root', () => {
  it('cwd is WorkingDir or /', () => {
    assert.equal(convertImageConfig(image({ WorkingDir: '/srv/app' }), rootfs).process?.cwd, '/srv/app');
    assert.equal(convertImageConfig(image({ WorkingDir: '' }), rootfs).process?.cwd, '/');
    assert.equal(convertImageConfig(image({}), rootfs).process?.cwd, '/');
  });
  it('user from Config.User, additionalGids only when non-empty', () => {
    assert.deepEqual(convertImageConfig(image({ User: 'user' }), rootfs).process?.user, {
      uid: 1000,
      gid: 1000,
      additionalGids: [10, 29],
    });
    assert.deepEqual(convertImageConfig(image({ User: 'nobody' }), rootfs).process?.user, { uid: 65534, gid: 65534 });
    assert.deepEqual(convertImageConfig(image({ User: 'user:audio' }), rootfs).process?.user, { uid: 1000, gid: 29 });
  });
  it('an unknown user fails the conversion (conversion.md: MUST return an error)', () => {
    assert.throws(() => convertImageConfig(image({ User: 'ghost' }), rootfs), { code: 'USER_UNKNOWN' });
  });
  it('root is rootfsName, writable', () => {
    assert.deepEqual(convertImageConfig(image({}), rootfs).root, { path: 'rootfs', readonly: false });
    assert.deepEqual(convertImageConfig(image({}), rootfs, { rootfsName: 'fs' }).root, { path: 'fs', readonly: false });
  });
  it('a non-linux image is refused', () => {
    assert.throws(() => convertImageConfig(image({}, { os: 'windows' }), rootfs), { code: 'IMAGE_CONFIG_INVALID' });
  });
  it('rootless starts from the rootless template', () => {
    const s = convertImageConfig(image({}), rootfs, { rootless: true });
    assert.ok(s.linux?.namespaces?.some((n) => n.type === 'user'));
    assert.equal(s.linux?.uidMappings?.length, 1);
  });
});

describe('annotations (conversion.md#annotation-fields, #annotations)', () => {
  it('implicit fields, exposedPorts sorted, stopSignal', () => {
    const s = convertImageConfig(
      image(
        { ExposedPorts: { '8080': {}, '80/tcp': {}, '443/tcp': {}, '53/udp': {} }, StopSignal: 'SIGQUIT' },
        {
          author: 'me <me@example.com>',
          created: '2024-01-02T03:04:05.123456789+01:00',
          variant: 'v8',
          'os.version': '6.1',
          'os.features': ['a', 'b'],
          architecture: 'arm64',
        },
      ),
      rootfs,
    );
    assert.deepEqual(s.annotations, {
      'org.opencontainers.image.os': 'linux',
      'org.opencontainers.image.architecture': 'arm64',
      'org.opencontainers.image.variant': 'v8',
      'org.opencontainers.image.os.version': '6.1',
      'org.opencontainers.image.os.features': 'a,b',
      'org.opencontainers.image.author': 'me <me@example.com>',
      // Verbatim, not re-formatted.
      'org.opencontainers.image.created': '2024-01-02T03:04:05.123456789+01:00',
      'org.opencontainers.image.stopSignal': 'SIGQUIT',
      'org.opencontainers.image.exposedPorts': '443/tcp,53/udp,80/tcp,8080',
    });
  });
  it('absent fields give no annotation', () => {
    assert.deepEqual(convertImageConfig(image({}), rootfs).annotations, {
      'org.opencontainers.image.os': 'linux',
      'org.opencontainers.image.architecture': 'amd64',
    });
  });
  it('Labels are copied and take precedence over implicit annotations', () => {
    const s = convertImageConfig(
      image(
        {
          Labels: {
            a: 'b',
            empty: '',
            'org.opencontainers.image.os': 'custom',
            'org.opencontainers.image.stopSignal': 'SIGINT',
            'org.opencontainers.image.exposedPorts': 'none',
          },
          StopSignal: 'SIGTERM',
          ExposedPorts: { '80/tcp': {} },
        },
        { created: '2020-01-01T00:00:00Z' },
      ),
      rootfs,
    );
    assert.equal(s.annotations?.a, 'b');
    assert.equal(s.annotations?.empty, '');
    assert.equal(s.annotations?.['org.opencontainers.image.os'], 'custom');
    assert.equal(s.annotations?.['org.opencontainers.image.stopSignal'], 'SIGINT');
    assert.equal(s.annotations?.['org.opencontainers.image.exposedPorts'], 'none');
    assert.equal(s.annotations?.['org.opencontainers.image.created'], '2020-01-01T00:00:00Z');
  });
});

describe('volumes and reserved resources', () => {
  it('Volumes become sorted tmpfs mounts after the defaults', () => {
    const s = convertImageConfig(image({ Volumes: { '/var/lib/db': {}, '/data': {} } }), rootfs);
    assert.deepEqual(s.mounts?.slice(-2), [
      { destination: '/data', type: 'tmpfs', source: 'none', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'] },
      {
        destination: '/var/lib/db',
        type: 'tmpfs',
        source: 'none',
        options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'],
      },
    ]);
    assert.equal(s.mounts?.length, 9);
  });
  it("volumes: 'ignore' leaves them out", () => {
    const s = convertImageConfig(image({ Volumes: { '/data': {} } }), rootfs, { volumes: 'ignore' });
    assert.equal(s.mounts?.length, 7);
  });
  it('Memory/MemorySwap/CpuShares are reserved: ignored unless asked for', () => {
    const cfg = { Memory: 1 << 26, MemorySwap: 1 << 27, CpuShares: 512 };
    assert.deepEqual(convertImageConfig(image(cfg), rootfs).linux?.resources, {
      devices: [{ allow: false, access: 'rwm' }],
    });
    assert.deepEqual(convertImageConfig(image(cfg), rootfs, { reservedResources: true }).linux?.resources, {
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 1 << 26, swap: 1 << 27 },
      cpu: { shares: 512 },
    });
    assert.deepEqual(convertImageConfig(image({ Memory: 0 }), rootfs, { reservedResources: true }).linux?.resources, {
      devices: [{ allow: false, access: 'rwm' }],
    });
  });
  it('hostname stays the default', () => {
    assert.equal(convertImageConfig(image({}), rootfs).hostname, 'hull');
  });
});
