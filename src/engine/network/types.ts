/** The shapes the engine's networking hands around (docs/engine.md; CNI SPEC.md section 5). */

/**
 * One published port, docker's `-p [IP:]HOSTPORT:CTRPORT[/PROTO]`, and the `portMappings`
 * capability's entry (CNI CONVENTIONS.md) once resolved. hostPort 0 asks for any free port;
 * hostPortEnd > hostPort asks for a free one in [hostPort, hostPortEnd] (docker's
 * `-p 8000-8010:80`). setupNetworks resolves both to a fixed hostPort.
 */
export interface PortMapping {
  hostIP?: string;
  hostPort: number;
  hostPortEnd?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** A network as `hull network ls` shows it, read back from its conflist. */
export interface NetworkInfo {
  name: string;
  /** sha256 of the name, as podman's CNI backend derives it. */
  id: string;
  driver: 'bridge';
  bridge: string;
  subnet: string;
  gateway?: string;
  internal: boolean;
  /** The conflist file. */
  file: string;
}

/** What one CNI ADD gave one network: the container's interface and addresses on it. */
export interface Attachment {
  network: string;
  ifname: string;
  /** Addresses in CIDR form (10.89.0.2/24), as the CNI result lists them. */
  cidrs: string[];
  gateway?: string;
  mac?: string;
  /** The CNI result of the last plugin (SPEC.md section 5), as cached for DEL and CHECK. */
  result: CniResult;
}

export interface NetworkResult {
  attachments: Attachment[];
  /** The first address (without prefix) on each network, in the order networks were given. */
  ips: string[];
  /** The published ports with host ports resolved (no 0, no ranges). */
  ports: PortMapping[];
}

/** The success result of SPEC.md section 5 (1.0.0; 0.3/0.4 results have the same fields we read). */
export interface CniResult {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  routes?: { dst: string; gw?: string }[];
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
  [key: string]: unknown;
}

/** A network configuration list (SPEC.md section 1). */
export interface ConfList {
  cniVersion: string;
  name: string;
  disableCheck?: boolean;
  plugins: PluginConf[];
  [key: string]: unknown;
}

export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}
