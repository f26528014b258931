/**
 * Runs several tools N times each, interleaved, so that drift on a shared VM (page cache, other
 * jobs, thermal) hits every tool alike instead of whichever ran last. Only run() is timed: wall
 * time, and the CPU time (user + sys) of the child processes it waited for — on a small machine
 * CPU is the real budget, and a tool that burns two cores for its wall time shows it here.
 */
import { execFileSync } from 'node:child_process';
import { median, type Summary, summarize } from './stats.js';
import { childCpu } from './sys.js';

export interface Tool<C = unknown> {
  name: string;
  /** Untimed preparation of one run (e.g. a fresh bundle path); its result is passed on. */
  setup?: (run: number) => C | Promise<C>;
  run: (ctx: C, run: number) => unknown;
  /** Untimed cleanup of one run. */
  teardown?: (ctx: C, run: number) => unknown;
}

export interface Result extends Summary {
  name: string;
  /** Wall seconds of each run, in order. */
  times: number[];
  /** CPU seconds (user, sys) of each run's child processes, in order. */
  cpu: { user: number; sys: number }[];
  /** Medians of cpu: user, sys, and user+sys. */
  cpuUser: number;
  cpuSys: number;
  cpuTotal: number;
  /** Set when a run threw: the tool is dropped from later rounds, the other tools carry on. */
  error?: Error;
}

export interface AlternateOptions {
  // biome-ignore lint/suspicious/noExplicitAny: each tool has its own context type
  tools: Tool<any>[];
  runs: number;
  /** Untimed, before every timed run; defaults to sync(1) so earlier writeback doesn't leak in. */
  between?: () => unknown;
  /** Called after each timed run, e.g. to print progress. */
  onRun?: (name: string, run: number, seconds: number, cpu: { user: number; sys: number }) => void;
  /** Called when a tool's run throws (it is then dropped). */
  onError?: (name: string, run: number, error: Error) => void;
}

export async function alternate(opts: AlternateOptions): Promise<Result[]> {
  const between = opts.between ?? (() => execFileSync('sync'));
  const times = opts.tools.map(() => [] as number[]);
  const cpus = opts.tools.map(() => [] as { user: number; sys: number }[]);
  const errors: (Error | undefined)[] = opts.tools.map(() => undefined);
  for (let run = 0; run < opts.runs; run++) {
    // Reverse the order every other round (ABBA...) so neither tool always goes first.
    const order = opts.tools.map((_, i) => i);
    if (run % 2) order.reverse();
    for (const i of order) {
      const tool = opts.tools[i]!;
      if (errors[i]) continue;
      const ctx = await tool.setup?.(run);
      try {
        await between();
        const cpu0 = childCpu();
        const start = process.hrtime.bigint();
        await tool.run(ctx, run);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const cpu1 = childCpu();
        const cpu = { user: cpu1.user - cpu0.user, sys: cpu1.sys - cpu0.sys };
        times[i]!.push(seconds);
        cpus[i]!.push(cpu);
        opts.onRun?.(tool.name, run, seconds, cpu);
      } catch (err) {
        errors[i] = err instanceof Error ? err : new Error(String(err));
        opts.onError?.(tool.name, run, errors[i]!);
      } finally {
        await tool.teardown?.(ctx, run);
      }
    }
  }
  return opts.tools.map((t, i) => {
    const cpu = cpus[i]!;
    return {
      name: t.name,
      times: times[i]!,
      ...summarize(times[i]!),
      cpu,
      cpuUser: median(cpu.map((c) => c.user)),
      cpuSys: median(cpu.map((c) => c.sys)),
      cpuTotal: median(cpu.map((c) => c.user + c.sys)),
      error: errors[i],
    };
  });
}
