/** features.md: what this runtime implements, for `hull-runtime features`. */
import type { Features } from '../../oci/runtime/types.js';
import {
  HOOK_NAMES,
  SECCOMP_ACTIONS,
  SECCOMP_ARCHES,
  SECCOMP_FLAGS,
  SECCOMP_OPERATORS,
} from '../../oci/runtime/types.js';
import { apparmorEnabled } from '../plan/attrs.js';
import { CAP_NAMES } from '../plan/capabilities.js';
import { MOUNT_OPTION_NAMES } from '../plan/mount-options.js';

export function features(): Features {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.3.0',
    hooks: [...HOOK_NAMES],
    mountOptions: MOUNT_OPTION_NAMES,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAP_NAMES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: [...SECCOMP_ACTIONS],
        operators: [...SECCOMP_OPERATORS],
        // libseccomp 2.5 (Debian 12) knows these; the rest are skipped with a warning.
        archs: SECCOMP_ARCHES.filter(
          (a) => !['SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB'].includes(a),
        ),
        knownFlags: [...SECCOMP_FLAGS],
        supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
      },
      // AppArmor profiles are applied where the host has AppArmor; SELinux labels are not.
      apparmor: { enabled: apparmorEnabled() },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: false },
    },
    annotations: { 'org.opencontainers.runtime-spec.features.hull.runtime': 'hull-runtime' },
  };
}
