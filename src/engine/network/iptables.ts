/**
 * What hull itself asks of iptables, through the same `iptables` the CNI plugins run (the first
 * on PATH: iptables-nft on Debian 12, whichever backend the alternatives system picks elsewhere),
 * so hull always looks at the rules the plugins wrote:
 *
 * - whether FORWARD drops by default (dockerd sets policy DROP): then the firewall plugin must
 *   open the container's addresses, or bridged traffic dies there;
 * - the host ports other containers already publish (DNAT rules, any engine's);
 * - a sweep of the rules a DEL could not reach: the bridge plugin tears its masquerade chain
 *   down from the addresses it finds on the container's interface, so with the namespace gone
 *   (a crash, a reboot) the chain would stay. The rules carry the comment
 *   `name: "NET" id: "CID"` and the chains are named from sha512(NET+CID) (plugins/pkg/utils).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

const PATH_ENV = { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` };

function iptablesAsync(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env: PATH_ENV, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

let forwardPolicy: string | undefined;

/** True when FORWARD's policy is not ACCEPT (e.g. dockerd is or was running). */
export function forwardNeedsFirewall(): boolean {
  if (forwardPolicy === undefined) {
    try {
      const out = execFileSync('iptables', ['-w', '-S', 'FORWARD'], { env: PATH_ENV, stdio: 'pipe' }).toString();
      forwardPolicy = /^-P FORWARD (\S+)/m.exec(out)?.[1] ?? 'ACCEPT';
    } catch {
      forwardPolicy = 'ACCEPT'; // no iptables: nothing filters FORWARD through it either
    }
  }
  return forwardPolicy !== 'ACCEPT';
}

/** Splits one `iptables -S` line into arguments, undoing its "..." quoting. */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (inQuote) {
      if (ch === '\\' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') inQuote = false;
      else cur += ch;
    } else if (ch === '"') {
      inQuote = true;
      has = true;
    } else if (ch === ' ') {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

export interface DnatPort {
  protocol: string;
  port: number;
  /** The -d address, when the rule has one. */
  hostIP?: string;
}

/** Host ports with a DNAT rule in the nat table: published by hull, podman, docker or anyone. */
export async function dnatPorts(family: 4 | 6): Promise<DnatPort[]> {
  let text: string;
  try {
    text = await iptablesAsync(family === 4 ? 'iptables' : 'ip6tables', ['-w', '-t', 'nat', '-S']);
  } catch {
    return [];
  }
  const out: DnatPort[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('-A ') || !/ -j DNAT\b/.test(line)) continue;
    const args = splitRule(line);
    const at = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const port = Number(at('--dport'));
    if (!port) continue;
    const d = at('-d');
    out.push({ protocol: at('-p') ?? 'tcp', port, ...(d ? { hostIP: d.replace(/\/\d+$/, '') } : {}) });
  }
  return out;
}

/** plugins/pkg/utils FormatChainNameWithPrefix: "CNI-" + prefix + sha512(name+id), cut to 28. */
export function chainName(network: string, containerId: string, prefix = ''): string {
  return `CNI-${prefix}${createHash('sha512')
    .update(network + containerId)
    .digest('hex')}`.slice(0, 28);
}

/**
 * Deletes every rule commented for this attachment, then its per-container chains, in the nat
 * and filter tables. Returns how many rules it removed (0 when the DEL had done its job).
 */
export async function sweepRules(network: string, containerId: string, families: (4 | 6)[]): Promise<number> {
  const tag = `name: "${network}" id: "${containerId}"`;
  const chains = new Set([chainName(network, containerId), chainName(network, containerId, 'DN-')]);
  let removed = 0;
  for (const family of families) {
    const bin = family === 4 ? 'iptables' : 'ip6tables';
    for (const table of ['nat', 'filter']) {
      let text: string;
      try {
        text = await iptablesAsync(bin, ['-w', '-t', table, '-S']);
      } catch {
        continue;
      }
      const lines = text.split('\n');
      for (const line of lines) {
        if (!line.startsWith('-A ')) continue;
        const args = splitRule(line);
        const after = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
        const chain = args[1] as string;
        const target = after('-j');
        const ours = after('--comment')?.endsWith(tag) === true || (target !== undefined && chains.has(target));
        // Rules inside our own chains go with the chain below.
        if (!ours || chains.has(chain)) continue;
        await iptablesAsync(bin, ['-w', '-t', table, '-D', ...args.slice(1)]).catch(() => undefined);
        removed++;
      }
      for (const chain of chains) {
        if (!lines.includes(`-N ${chain}`)) continue;
        await iptablesAsync(bin, ['-w', '-t', table, '-F', chain]).catch(() => undefined);
        await iptablesAsync(bin, ['-w', '-t', table, '-X', chain]).catch(() => undefined);
        removed++;
      }
    }
  }
  return removed;
}
