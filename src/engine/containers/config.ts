/**
 * What a container was created with: `hull run`/`create`'s flags, normalized. Stored in the
 * database as JSON, so `inspect` shows it and `start` of a created container can rebuild nothing.
 */
import type { PortMapping } from '../network/index.js';
import type { IdMap } from './userns.js';

export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name (volume); unused for tmpfs. */
  source: string;
  destination: string;
  readonly: boolean;
  /** tmpfs options (size=…, mode=…). */
  options?: string[];
}

export interface ContainerConfig {
  /** The reference as the user gave it, and the full one it resolved to. */
  image: string;
  imageRef: string;
  /** Overrides of the image's Entrypoint and Cmd; undefined keeps the image's. */
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  interactive: boolean;
  hostname?: string;
  mounts: MountRequest[];
  readOnly: boolean;
  /** none | host | a network name ("bridge" is the default network, "hull"). */
  network: string;
  ports: PortMapping[];
  memory?: number;
  cpus?: number;
  pidsLimit?: number;
  capAdd: string[];
  capDrop: string[];
  /** A seccomp profile file (OCI linux.seccomp JSON) or "unconfined". */
  seccomp?: string;
  userNs: 'host' | 'auto';
  /** --user-ns auto:size=N; without it the image decides (userns.ts). */
  userNsSize?: number;
  /** The host ids of a --user-ns auto container, allocated at create (userns.ts). */
  idMap?: IdMap;
  /** hull-runtime (the library), runc, crun, or a path to an OCI runtime CLI. */
  runtime: string;
  labels: Record<string, string>;
  stopSignal?: string;
  stopTimeout?: number;
  logDriver: 'json-file' | 'k8s-file';
}
