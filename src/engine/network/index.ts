/**
 * The engine's networking (docs/engine.md; CNI 1.0, shared/specs/cni/SPEC.md): network
 * namespaces, named bridge networks, CNI ADD/DEL/CHECK through the plugins in /usr/lib/cni,
 * published ports, and the container's /etc/hosts and /etc/resolv.conf.
 */
export { checkNetworks, setupNetworks, teardownNetworks } from './attach.js';
export { type CachedAttachment, listAttachments } from './cache.js';
export { DEFAULT_BRIDGE, DEFAULT_NETWORK } from './conflist.js';
export { hostsContent, resolvConfContent, writeHosts, writeResolvConf } from './etc-files.js';
export { CniPluginError } from './exec-plugin.js';
export { type NetworkMode, parseNetworkMode } from './mode.js';
export { createNetns, isNetnsMounted, NETNS_DIR, netnsPath, removeNetns } from './netns.js';
export { formatPort, parsePublish } from './publish.js';
export {
  createNetwork,
  DEFAULT_SUBNET,
  ensureDefaultNetwork,
  listNetworks,
  loadNetwork,
  removeNetwork,
  resolveNetwork,
} from './store.js';
export type { Attachment, CniResult, NetworkInfo, NetworkResult, PortMapping } from './types.js';
