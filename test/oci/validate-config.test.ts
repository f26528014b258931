/** Image configurations (image-spec/config.md). */
import { describe, test } from 'node:test';
import { validateImageConfig } from '../../src/oci/validate/config.js';
import { assertProblems, type Doc, runTable } from './table.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const CONFIG = 'image-spec/config.md';
const ANNOTATIONS = 'image-spec/annotations.md';

const config: Doc = {
  created: '2015-10-31T22:22:56.015925234Z',
  author: 'Alyssa P. Hacker <alyspdev@example.com>',
  architecture: 'amd64',
  os: 'linux',
  config: {
    User: 'alice',
    ExposedPorts: { '8080/tcp': {}, '53/udp': {}, '9000': {} },
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'EMPTY='],
    Entrypoint: ['/bin/my-app-binary'],
    Cmd: ['--foreground', '--config', '/etc/my-app.d/default.cfg'],
    Volumes: { '/var/job-result-data': {}, '/var/log/my-app-logs': {} },
    WorkingDir: '/home/alice',
    Labels: { 'com.example.project.git.url': 'https://example.com/project.git' },
    StopSignal: 'SIGRTMIN+3',
    ArgsEscaped: false,
    Memory: 0,
    Healthcheck: { Test: ['CMD', 'true'] },
  },
  rootfs: { type: 'layers', diff_ids: [D('c'), D('5')] },
  history: [
    { created: '2015-10-31T22:22:54.690851953+01:00', created_by: '/bin/sh -c #(nop) ADD file:a in /' },
    { created: '2015-10-31t22:22:55z', created_by: '/bin/sh -c #(nop) CMD ["sh"]', empty_layer: true, comment: '' },
  ],
};

describe('validateImageConfig', () => {
  runTable(validateImageConfig, config, [
    { name: 'architecture missing', mutate: (d) => delete d.architecture, expect: [['$.architecture', CONFIG]] },
    { name: 'os a number', mutate: (d) => (d.os = 1), expect: [['$.os', CONFIG]] },
    { name: 'os null (REQUIRED)', mutate: (d) => (d.os = null), expect: [['$.os', CONFIG]] },
    { name: 'rootfs missing', mutate: (d) => delete d.rootfs, expect: [['$.rootfs', CONFIG]] },
    { name: 'rootfs.type not layers', mutate: (d) => (d.rootfs.type = 'tar'), expect: [['$.rootfs.type', CONFIG]] },
    { name: 'diff_ids missing', mutate: (d) => delete d.rootfs.diff_ids, expect: [['$.rootfs.diff_ids', CONFIG]] },
    {
      name: 'bad diff_id',
      mutate: (d) => (d.rootfs.diff_ids[1] = 'sha256:zz'),
      expect: [['$.rootfs.diff_ids[1]', CONFIG]],
    },
    { name: 'Env entry without =', mutate: (d) => d.config.Env.push('FOO'), expect: [['$.config.Env[2]', CONFIG]] },
    {
      name: 'Env entry with empty name',
      mutate: (d) => (d.config.Env[0] = '=x'),
      expect: [['$.config.Env[0]', CONFIG]],
    },
    { name: 'Env not an array', mutate: (d) => (d.config.Env = 'A=B'), expect: [['$.config.Env', CONFIG]] },
    {
      name: 'ExposedPorts bad protocol',
      mutate: (d) => (d.config.ExposedPorts['80/xyz'] = {}),
      expect: [['$.config.ExposedPorts["80/xyz"]', CONFIG]],
    },
    {
      name: 'ExposedPorts name',
      mutate: (d) => (d.config.ExposedPorts.http = {}),
      expect: [['$.config.ExposedPorts.http', CONFIG]],
    },
    {
      name: 'ExposedPorts port 70000',
      mutate: (d) => (d.config.ExposedPorts['70000'] = {}),
      expect: [['$.config.ExposedPorts["70000"]', CONFIG]],
    },
    {
      name: 'ExposedPorts value not an object',
      mutate: (d) => (d.config.ExposedPorts['80/tcp'] = true),
      expect: [['$.config.ExposedPorts["80/tcp"]', CONFIG]],
    },
    { name: 'Volumes an array', mutate: (d) => (d.config.Volumes = ['/data']), expect: [['$.config.Volumes', CONFIG]] },
    {
      name: 'Volumes value a string',
      mutate: (d) => (d.config.Volumes['/data'] = ''),
      expect: [['$.config.Volumes["/data"]', CONFIG]],
    },
    {
      name: 'Label value a number',
      mutate: (d) => (d.config.Labels.version = 2),
      expect: [['$.config.Labels.version', ANNOTATIONS]],
    },
    { name: 'Cmd a string', mutate: (d) => (d.config.Cmd = 'sh'), expect: [['$.config.Cmd', CONFIG]] },
    {
      name: 'Entrypoint with a number',
      mutate: (d) => (d.config.Entrypoint = ['a', 1]),
      expect: [['$.config.Entrypoint[1]', CONFIG]],
    },
    {
      name: 'ArgsEscaped a string',
      mutate: (d) => (d.config.ArgsEscaped = 'true'),
      expect: [['$.config.ArgsEscaped', CONFIG]],
    },
    {
      name: 'created not RFC 3339',
      mutate: (d) => (d.created = '2015-10-31 22:22:56'),
      expect: [['$.created', CONFIG]],
    },
    {
      name: 'created on February 30',
      mutate: (d) => (d.created = '2015-02-30T00:00:00Z'),
      expect: [['$.created', CONFIG]],
    },
    {
      name: 'history created bad',
      mutate: (d) => (d.history[0].created = 'yesterday'),
      expect: [['$.history[0].created', CONFIG]],
    },
    {
      name: 'history empty_layer a string',
      mutate: (d) => (d.history[1].empty_layer = 'true'),
      expect: [['$.history[1].empty_layer', CONFIG]],
    },
    { name: 'history entry not an object', mutate: (d) => (d.history[1] = 'x'), expect: [['$.history[1]', CONFIG]] },
    { name: 'config an array', mutate: (d) => (d.config = []), expect: [['$.config', CONFIG]] },
    {
      name: 'optional fields may be null',
      mutate: (d) => {
        Object.assign(d.config, { Entrypoint: null, Cmd: null, Env: null, Labels: null, ExposedPorts: null });
        Object.assign(d, { history: null, created: null, variant: null });
      },
      expect: [],
    },
    { name: 'config null', mutate: (d) => (d.config = null), expect: [] },
    { name: 'Docker sctp ports are accepted', mutate: (d) => (d.config.ExposedPorts['132/sctp'] = {}), expect: [] },
  ]);

  test('a minimal config passes', () => {
    assertProblems(
      validateImageConfig({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, 'doc.json'),
      [],
    );
  });
});
