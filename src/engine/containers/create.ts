/**
 * `hull create` (and the first half of `hull run`): reserve the name, mount the rootfs over
 * the image's snapshots, set up the network, write the bundle, and have the runtime create the
 * container under its monitor. Every step registers its undo; a failure at any step runs them
 * in reverse, so a failed create leaves no row, mount, netns, CNI allocation or directory.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HullError } from '../../errors.js';
import type { RuntimeSpec } from '../../image/bundle/spec-types.js';
import { writeBundleConfig } from '../../image/bundle/write.js';
import type { RuntimeConfig } from '../../oci/runtime/types.js';
import type { ImageConfig } from '../../oci/types.js';
import { trace } from '../../util/trace.js';
import { deleteContainerRow, insertContainer, updateContainer } from '../db/containers.js';
import type { Engine } from '../engine.js';
import { containerDataDir, containerDir } from '../paths.js';
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
import { allocateIdMap, createUserns, imageIdSize, removeUserns, usernsPath } from './userns.js';

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
  const data = containerDataDir(engine.paths, id);
  const undo: Array<() => Promise<void> | void> = [];
  const command = [
    ...(config.entrypoint ?? image.config.config?.Entrypoint ?? []),
    ...(config.cmd ?? (config.entrypoint !== undefined ? [] : (image.config.config?.Cmd ?? []))),
  ];
  const idSize = config.userNs === 'auto' ? (config.userNsSize ?? imageIdSize(image.lowerdirs)) : 0;
  for (let retry = 1; ; retry++) {
    try {
      // One immediate transaction: the id range chosen is in the row before anyone else looks.
      engine.db
        .transaction(() => {
          if (idSize) config.idMap = allocateIdMap(engine.db, idSize);
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
        })
        .immediate();
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
    mkdirSync(data, { recursive: true, mode: 0o700 });
    undo.push(() => rmSync(data, { recursive: true, force: true }));
    if (config.idMap)
      openPathsTo(
        engine,
        dir,
        config.idMap.gid,
        config.mounts.some((m) => m.type === 'volume'),
      );
    writeFileSync(join(dir, 'lowerdirs.json'), JSON.stringify(image.lowerdirs));
    for (const m of config.mounts) {
      if (m.type === 'volume') {
        const { ensureVolume } = await import('../volumes/volumes.js');
        ensureVolume(engine, m.source);
      }
    }
    const pid = await withContainerLock(dir, () =>
      provision(
        engine,
        { id, name, config, volatile: req.autoRemove },
        undo,
        specMaker(engine, id, config, image.config),
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

/** How provision writes a container's config.json: the image's config under the container's. */
export function specMaker(
  engine: Engine,
  id: string,
  config: ContainerConfig,
  image: ImageConfig,
): (rootfs: string, networking: ContainerNetworking, etc: EtcFiles) => RuntimeSpec {
  return (rootfs, networking, etc) =>
    buildSpec({
      id,
      config,
      image,
      rootfs,
      netns: networking.netns,
      userns: usernsPath(id),
      etcFiles: etc,
      volumeDir: (v) => volumeDir(engine, v),
      cgroupsPath: `/hull/${id}`,
    });
}

/**
 * A container in a user namespace of its own is root only over its own ids: the runtime, inside
 * that namespace, must still get through the engine's directories to its rootfs and /etc files
 * (under /run) and to its volumes (under --root). Those directories become 0711 (pass through,
 * not list), the container's run-time directory 0710 with its root's group (podman opens its
 * storage so too).
 */
function openPathsTo(engine: Engine, dir: string, gid: number, volumes: boolean): void {
  const open = [dirname(engine.paths.runContainers), engine.paths.runContainers];
  if (volumes) open.push(engine.paths.root, engine.paths.volumes);
  // Above the root is not the engine's to change: say what is in the way.
  for (let d = dirname(engine.paths.root); volumes; d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      throw new HullError(
        'USERNS_PATH',
        `--user-ns auto: the container's root cannot pass through ${d} (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}) ` +
          `to reach its volumes under ${engine.paths.root}: allow it (chmod o+x ${d}) or use another --root`,
        { file: d },
      );
    }
    if (d === '/') break;
  }
  for (const d of open) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o711) !== 0o711) chmodSync(d, mode | 0o711);
  }
  chownSync(dir, 0, gid);
  chmodSync(dir, 0o710);
}

/**
 * The part of create that `start` of an exited container repeats: mount the rootfs, set up the
 * network, (first time only) write config.json, and create the container in the runtime under
 * a new monitor. Pushes its undo steps; returns the container's init pid.
 */
export async function provision(
  engine: Engine,
  c: { id: string; name: string; config: ContainerConfig; volatile?: boolean },
  undo: Array<() => Promise<void> | void>,
  makeSpec?: (rootfs: string, networking: ContainerNetworking, etc: EtcFiles) => RuntimeSpec,
): Promise<number> {
  const { id, config } = c;
  const dir = containerDir(engine.paths, id);
  const data = containerDataDir(engine.paths, id);
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  const runtime = openRuntime(config.runtime, engine.paths.runtimeRoot);
  const lowerdirs = JSON.parse(readFileSync(join(dir, 'lowerdirs.json'), 'utf8')) as string[];
  // --user-ns auto: the container's user namespace (and its network namespace inside it) first:
  // the rootfs is mounted through its mapping.
  let userns: { userns: string; netns?: string } | undefined;
  if (config.idMap) {
    userns = createUserns(id, config.idMap, config.network !== 'host');
    undo.push(() => removeUserns(id));
    if (userns.netns) undo.push(() => teardownContainerNetwork(engine, id, config));
  }
  await mountRootfs({
    lowerdirs,
    snapshotsDir: engine.paths.snapshots,
    upper: join(data, 'upper'),
    work: join(data, 'work'),
    target: rootfs,
    emptyDir: join(engine.paths.snapshots, 'empty'),
    // A --rm container is mounted once: its upper layer need not survive a crash.
    volatile: c.volatile === true,
    idMap: config.idMap && userns ? { ...config.idMap, userns: userns.userns } : undefined,
  });
  undo.push(() => unmountRootfs(rootfs));
  trace('rootfs mounted');
  testPauseAt('mounted');

  const networking = await setupContainerNetwork(engine, id, c.name, config, userns?.netns);
  undo.push(() => teardownContainerNetwork(engine, id, config));
  writeFileSync(join(dir, 'network.json'), JSON.stringify(networking));
  testPauseAt('network');
  trace('network ready');

  const etc = await writeEtcFiles(dir, config.hostname ?? id.slice(0, 12), networking.ips, config.network);
  // The container's root owns its /etc/hosts, resolv.conf and hostname, in its own user
  // namespace too (podman chowns them so).
  if (config.idMap) for (const f of Object.values(etc)) chownSync(f, config.idMap.uid, config.idMap.gid);
  // Not fsynced: the bundle is the engine's own, rebuilt by nothing after a crash (podman's
  // isn't either); fsyncs were ~3 ms of every run.
  const spec = makeSpec?.(rootfs, networking, etc);
  if (spec) writeBundleConfig(bundle, spec, { durable: false });

  trace('bundle written');
  rmSync(join(dir, 'exit'), { force: true });
  rmSync(join(dir, 'pidfile'), { force: true });
  await runtime.create(
    id,
    bundle,
    {
      containerDir: dir,
      logDir: data,
      logDriver: config.logDriver,
      pidFile: join(dir, 'pidfile'),
      exitCommand: exitCommand(engine, id),
      terminal: config.tty,
      stdin: config.interactive,
    },
    spec as RuntimeConfig | undefined,
  );
  undo.push(() => runtime.delete(id, true).catch(() => {}));
  testPauseAt('created');
  trace('runtime created');
  return Number(readFileSync(join(dir, 'pidfile'), 'utf8').trim()) || 0;
}
