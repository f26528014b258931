/**
 * `hull create` (and the first half of `hull run`): reserve the name, mount the rootfs over
 * the image's snapshots, set up the network, write the bundle, and have the runtime create the
 * container under its monitor. Every step registers its undo; a failure at any step runs them
 * in reverse, so a failed create leaves no row, mount, netns, CNI allocation or directory.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import type { RuntimeSpec } from '../../image/bundle/spec-types.js';
import { writeBundleConfig } from '../../image/bundle/write.js';
import { trace } from '../../util/trace.js';
import { deleteContainerRow, insertContainer, updateContainer } from '../db/containers.js';
import type { Engine } from '../engine.js';
import { containerDir } from '../paths.js';
import { volumeDir } from '../volumes/volumes.js';
import type { ContainerConfig } from './config.js';
import { exitCommand } from './exit-command.js';
import { imageForContainer } from './image.js';
import { withContainerLock } from './lock.js';
import { NAME_RE, newContainerId, randomName } from './names.js';
import {
  type ContainerNetworking,
  type EtcFiles,
  setupContainerNetwork,
  teardownContainerNetwork,
  writeEtcFiles,
} from './network.js';
import { mountRootfs, unmountRootfs } from './rootfs.js';
import { openRuntime } from './runtime.js';
import { buildSpec } from './spec.js';

export interface CreateRequest {
  name?: string;
  config: ContainerConfig;
  autoRemove: boolean;
  pull: 'missing' | 'always' | 'never';
  quiet: boolean;
}

export interface CreatedContainer {
  id: string;
  name: string;
  dir: string;
}

/** Where test suites stop create to SIGKILL it (HULL_TEST_PAUSE_AT=<step>), like hull-runtime's. */
function testPauseAt(step: string): void {
  if (process.env.HULL_TEST_PAUSE_AT !== step) return;
  process.stderr.write(`hull: test pause at ${step}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

export async function createContainer(engine: Engine, req: CreateRequest): Promise<CreatedContainer> {
  let name = req.name ?? randomName();
  if (!NAME_RE.test(name)) {
    throw new HullError('INVALID', `invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const config = req.config;
  openRuntime(config.runtime, engine.paths.runtimeRoot); // a missing runtime fails before anything is made
  const image = await imageForContainer(engine, config.image, { pull: req.pull, quiet: req.quiet });
  config.imageRef = image.ref;
  trace('image resolved');

  const id = newContainerId();
  const dir = containerDir(engine.paths, id);
  const undo: Array<() => Promise<void> | void> = [];
  const command = [
    ...(config.entrypoint ?? image.config.config?.Entrypoint ?? []),
    ...(config.cmd ?? (config.entrypoint !== undefined ? [] : (image.config.config?.Cmd ?? []))),
  ];
  for (let retry = 1; ; retry++) {
    try {
      insertContainer(engine.db, {
        id,
        name,
        image: config.image,
        imageId: image.id,
        command,
        created: new Date().toISOString(),
        state: 'creating',
        pid: 0,
        runtime: config.runtime,
        autoRemove: req.autoRemove,
        config,
      });
      break;
    } catch (err) {
      // A random name someone has: another one (docker's retry); a name asked for is an error.
      if (req.name !== undefined || retry > 10 || !(err instanceof HullError) || err.code !== 'NAME_IN_USE') throw err;
      name = randomName(retry);
    }
  }
  undo.push(() => deleteContainerRow(engine.db, id));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    undo.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'lowerdirs.json'), JSON.stringify(image.lowerdirs));
    for (const m of config.mounts) {
      if (m.type === 'volume') {
        const { ensureVolume } = await import('../volumes/volumes.js');
        ensureVolume(engine, m.source);
      }
    }
    const pid = await withContainerLock(dir, () =>
      provision(engine, { id, name, config }, undo, (rootfs, networking, etc) =>
        buildSpec({
          id,
          config,
          image: image.config,
          rootfs,
          netns: networking.netns,
          etcFiles: etc,
          volumeDir: (v) => volumeDir(engine, v),
          cgroupsPath: `/hull/${id}`,
        }),
      ),
    );
    updateContainer(engine.db, id, { state: 'created', pid });
    return { id, name, dir };
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // keep undoing; the first error is the one to report
      }
    }
    throw err;
  }
}

/**
 * The part of create that `start` of an exited container repeats: mount the rootfs, set up the
 * network, (first time only) write config.json, and create the container in the runtime under
 * a new monitor. Pushes its undo steps; returns the container's init pid.
 */
export async function provision(
  engine: Engine,
  c: { id: string; name: string; config: ContainerConfig },
  undo: Array<() => Promise<void> | void>,
  makeSpec?: (rootfs: string, networking: ContainerNetworking, etc: EtcFiles) => RuntimeSpec,
): Promise<number> {
  const { id, config } = c;
  const dir = containerDir(engine.paths, id);
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  const runtime = openRuntime(config.runtime, engine.paths.runtimeRoot);
  const lowerdirs = JSON.parse(readFileSync(join(dir, 'lowerdirs.json'), 'utf8')) as string[];
  await mountRootfs({
    lowerdirs,
    snapshotsDir: engine.paths.snapshots,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    target: rootfs,
    emptyDir: join(engine.paths.snapshots, 'empty'),
  });
  undo.push(() => unmountRootfs(rootfs));
  trace('rootfs mounted');
  testPauseAt('mounted');

  const networking = await setupContainerNetwork(engine, id, c.name, config);
  undo.push(() => teardownContainerNetwork(engine, id, config));
  writeFileSync(join(dir, 'network.json'), JSON.stringify(networking));
  testPauseAt('network');
  trace('network ready');

  const etc = await writeEtcFiles(dir, config.hostname ?? id.slice(0, 12), networking.ips, config.network);
  // Not fsynced: the bundle is the engine's own, rebuilt by nothing after a crash (podman's
  // isn't either); fsyncs were ~3 ms of every run.
  if (makeSpec) writeBundleConfig(bundle, makeSpec(rootfs, networking, etc), { durable: false });

  trace('bundle written');
  rmSync(join(dir, 'exit'), { force: true });
  rmSync(join(dir, 'pidfile'), { force: true });
  await runtime.create(id, bundle, {
    containerDir: dir,
    logDriver: config.logDriver,
    pidFile: join(dir, 'pidfile'),
    exitCommand: exitCommand(engine, id),
    terminal: config.tty,
    stdin: config.interactive,
  });
  undo.push(() => runtime.delete(id, true).catch(() => {}));
  testPauseAt('created');
  trace('runtime created');
  return Number(readFileSync(join(dir, 'pidfile'), 'utf8').trim()) || 0;
}
