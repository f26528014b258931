/**
 * runc's command line, the parts not covered by the lifecycle tests: --version, features
 * (features.md), spec and spec --rootless, --pid-file, --systemd-cgroup on a host without
 * systemd, and text log records.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundle, createDetached, isRunc, runtime, skipUnlessRoot, stateOf, uniq } from './helpers.js';

describe('runtime command line', { skip: skipUnlessRoot }, () => {
  it('--version names the runtime-spec version', () => {
    const r = runtime().run(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /version/);
    assert.match(r.stdout, /^spec: 1\.\d+\.\d+/m);
  });

  it('features prints the features.md document', () => {
    const r = runtime().run(['features']);
    assert.equal(r.status, 0, r.stderr);
    const f = JSON.parse(r.stdout);
    assert.equal(f.ociVersionMin, '1.0.0');
    assert.match(f.ociVersionMax, /^1\./);
    assert.deepEqual(f.hooks, [
      'prestart',
      'createRuntime',
      'createContainer',
      'startContainer',
      'poststart',
      'poststop',
    ]);
    for (const o of ['bind', 'rbind', 'ro', 'nosuid', 'rprivate']) assert.ok(f.mountOptions.includes(o), o);
    for (const ns of ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'])
      assert.ok(f.linux.namespaces.includes(ns), ns);
    assert.ok(f.linux.capabilities.includes('CAP_SYS_ADMIN'));
    assert.equal(f.linux.seccomp.enabled, true);
    for (const a of ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_NOTIFY'])
      assert.ok(f.linux.seccomp.actions.includes(a), a);
    assert.ok(f.linux.seccomp.operators.includes('SCMP_CMP_MASKED_EQ'));
    assert.equal(f.linux.cgroup.v1, true);
    assert.equal(f.linux.cgroup.v2, true);
    if (!isRunc) {
      // runc 1.1.5 speaks runtime-spec 1.0.2: no time namespace, no idmapped mounts, no flags.
      assert.equal(f.ociVersionMax, '1.3.0');
      assert.ok(f.linux.namespaces.includes('time'));
      assert.equal(f.linux.mountExtensions.idmap.enabled, true);
      assert.equal(f.linux.cgroup.systemd, false);
      assert.equal(f.linux.intelRdt.enabled, false);
    }
  });

  it('spec writes a config.json and refuses to overwrite it', () => {
    const rt = runtime();
    const r = rt.run(['spec', '--bundle', rt.dir]);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(readFileSync(join(rt.dir, 'config.json'), 'utf8'));
    assert.match(c.ociVersion, /^1\./);
    assert.deepEqual(c.process.args, ['sh']);
    assert.equal(c.root.path, 'rootfs');
    assert.ok(!c.linux.namespaces.some((n: { type: string }) => n.type === 'user'));
    assert.notEqual(rt.run(['spec', '--bundle', rt.dir]).status, 0);
  });

  it('spec --rootless maps the caller to root in a user namespace', () => {
    const rt = runtime();
    const r = rt.run(['spec', '--rootless', '--bundle', rt.dir]);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(readFileSync(join(rt.dir, 'config.json'), 'utf8'));
    assert.ok(c.linux.namespaces.some((n: { type: string }) => n.type === 'user'));
    assert.ok(!c.linux.namespaces.some((n: { type: string }) => n.type === 'network'), 'no network namespace');
    assert.deepEqual(c.linux.uidMappings, [{ containerID: 0, hostID: process.getuid?.(), size: 1 }]);
    assert.deepEqual(c.linux.gidMappings, [{ containerID: 0, hostID: process.getgid?.(), size: 1 }]);
    assert.equal(c.linux.resources, undefined, 'no cgroup resources');
  });

  it('create --pid-file writes the init pid', () => {
    const rt = runtime();
    const id = uniq('pidf');
    const pidFile = join(rt.dir, 'pid');
    const c = createDetached(rt, id, bundle(rt, ['sleep', '100']), ['--pid-file', pidFile]);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(Number(readFileSync(pidFile, 'utf8')), stateOf(rt, id).pid);
    assert.equal(rt.run(['delete', '--force', id]).status, 0);
  });

  it('--systemd-cgroup fails clearly where systemd is absent, leaving nothing behind', {
    skip: existsSync('/run/systemd/system') ? 'this host runs systemd' : false,
  }, () => {
    const rt = runtime();
    const id = uniq('sd');
    const b = bundle(rt, ['true'], (c) => {
      // The systemd driver's cgroupsPath form, slice:prefix:name.
      c.linux!.cgroupsPath = `system.slice:hull-test:${id}`;
    });
    const r = rt.run(['--systemd-cgroup', 'run', '--bundle', b, id]);
    assert.notEqual(r.status, 0);
    // runc fails when it cannot reach systemd over D-Bus; hull has no systemd driver at all.
    assert.match(r.stderr, isRunc ? /dbus|systemd|bus/i : /--systemd-cgroup/);
    assert.notEqual(rt.run(['state', id]).status, 0);
  });

  it('--log without --log-format writes text records', () => {
    const rt = runtime();
    const log = join(rt.dir, 'log.txt');
    const r = rt.run(['--log', log, 'kill', 'nope']);
    assert.notEqual(r.status, 0);
    assert.match(readFileSync(log, 'utf8'), /^time="[^"]+" level=error msg=".*does not exist.*"$/m);
  });
});
