/**
 * Running one CNI plugin (SPEC.md section 2): parameters in CNI_* environment variables, the
 * derived configuration (section 3, "Deriving execution configuration") on stdin, a result or
 * an error structure (section 5) on stdout. Plugins run in hull's own (the host's) network
 * namespace, as section 2 requires, with PATH kept so their `iptables` is the host's default one
 * (iptables-nft on Debian 12): hull's own iptables calls (firewall.ts) use the same.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import type { CniResult, PluginConf } from './types.js';

/** Where Debian's containernetworking-plugins live, then the upstream default. */
export function cniPath(): string[] {
  return (process.env.HULL_CNI_PATH ?? '/usr/lib/cni:/opt/cni/bin').split(':').filter(Boolean);
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

/** A plugin's error result (SPEC.md section 5 "Error"), as one line naming network, plugin and verb. */
export class CniPluginError extends HullError {
  readonly cniCode: number | undefined;
  constructor(
    readonly network: string,
    readonly plugin: string,
    readonly command: CniCommand,
    msg: string,
    cniCode?: number,
  ) {
    super('CNI_PLUGIN_FAILED', `network '${network}': CNI plugin '${plugin}' ${command} failed: ${msg}`, {
      section: 'cni/SPEC.md#error',
    });
    this.cniCode = cniCode;
  }
}

/** SPEC.md section 3, step 1: look the type up on CNI_PATH; missing is an error. */
export function findPlugin(type: string, network: string, paths = cniPath()): string {
  for (const dir of paths) {
    const file = join(dir, type);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next directory
    }
  }
  throw new HullError(
    'CNI_PLUGIN_NOT_FOUND',
    `network '${network}': CNI plugin '${type}' not found in ${paths.join(':')} (install containernetworking-plugins, or set HULL_CNI_PATH)`,
  );
}

export interface PluginCall {
  network: string;
  command: CniCommand;
  containerId: string;
  /** '' for a DEL whose namespace is gone (SPEC.md section 2: CNI_NETNS is optional for DEL). */
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs. */
  args?: [string, string][];
  /** The execution configuration: the plugin's, with cniVersion, name, runtimeConfig, prevResult. */
  config: PluginConf;
}

/**
 * SPEC.md section 3 "Deriving execution configuration": the plugin object unchanged but for
 * cniVersion and name from the list, runtimeConfig holding the capabilities the plugin declares
 * and the runtime supplies (section 3 "Deriving runtimeConfig"), and prevResult when there is one.
 */
export function deriveConfig(
  plugin: PluginConf,
  list: { cniVersion: string; name: string },
  capabilityArgs: Record<string, unknown>,
  prevResult: CniResult | undefined,
): PluginConf {
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {}))
    if (on && capabilityArgs[cap] !== undefined) runtimeConfig[cap] = capabilityArgs[cap];
  const out: PluginConf = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  delete out.runtimeConfig;
  delete out.prevResult;
  if (Object.keys(runtimeConfig).length) out.runtimeConfig = runtimeConfig;
  if (prevResult) out.prevResult = prevResult;
  return out;
}

function oneLine(s: string): string {
  return s.trim().replace(/\s*\n\s*/g, '; ');
}

export function execPlugin(call: PluginCall): Promise<CniResult | undefined> {
  const file = findPlugin(call.config.type, call.network);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CNI_')) env[k] = v;
  // The plugins shell out to iptables, ip6tables and friends, which live in sbin.
  const path = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':');
  for (const d of ['/usr/sbin', '/sbin']) if (!path.includes(d)) path.push(d);
  Object.assign(env, {
    PATH: path.join(':'),
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifname,
    CNI_PATH: cniPath().join(':'),
  });
  if (call.args?.length) env.CNI_ARGS = call.args.map(([k, v]) => `${k}=${v}`).join(';');
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CniPluginError(call.network, call.config.type, call.command, e.message));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) {
        if (call.command !== 'ADD' && call.command !== 'VERSION') return resolve(undefined);
        try {
          return resolve(JSON.parse(stdout) as CniResult);
        } catch {
          return reject(
            new CniPluginError(
              call.network,
              call.config.type,
              call.command,
              `printed no JSON result: ${oneLine(stdout)}`,
            ),
          );
        }
      }
      reject(pluginError(call, stdout, stderr, code, signal));
    });
    child.stdin.on('error', () => undefined); // a plugin that exits without reading stdin
    child.stdin.end(JSON.stringify(call.config));
  });
}

/** SPEC.md section 5 "Error": {code, msg, details}; plugins print it on stdout (skel does). */
function pluginError(
  call: PluginCall,
  stdout: string,
  stderr: string,
  code: number | null,
  signal: NodeJS.Signals | null,
): CniPluginError {
  for (const text of [stdout, stderr]) {
    try {
      const e = JSON.parse(text) as { code?: number; msg?: string; details?: string };
      if (typeof e.msg === 'string') {
        const msg = e.details ? `${e.msg}: ${e.details}` : e.msg;
        return new CniPluginError(call.network, call.config.type, call.command, oneLine(msg), e.code);
      }
    } catch {
      // not the error structure
    }
  }
  const why = oneLine(stderr || stdout) || (signal ? `killed by ${signal}` : `exit status ${code}`);
  return new CniPluginError(call.network, call.config.type, call.command, why);
}
