/**
 * The container monitor (docs/engine.md#the-monitor): starting it, attaching to it, reading
 * what it writes. The monitor itself is C: native/hull-monitor.
 */
export { type AttachIO, attach, resize } from './attach.js';
export { monitorAlive, readExit } from './exit.js';
export { type LogEntry, parseLogLine, type ReadLogsOptions, readLogs } from './logs.js';
export {
  consoleSocketPath,
  type MonitorOptions,
  monitorArgs,
  monitorBin,
  monitorLauncher,
  spawnMonitorWithCommand,
} from './spawn.js';
