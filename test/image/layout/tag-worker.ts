/**
 * Child process for the concurrency test: waits until a shared start time, then tags COUNT
 * names `wWORKER-tI` one by one in the layout, each in its own index update.
 * Usage: node tag-worker.js DIR WORKER COUNT START_MS DESCRIPTOR_JSON
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageLayout } from '../../../src/image/layout/layout.js';

const [dir, worker, count, startAt, descriptor] = process.argv.slice(2) as [string, string, string, string, string];
const layout = await ImageLayout.open(dir);
await sleep(Math.max(0, Number(startAt) - Date.now()));
for (let i = 0; i < Number(count); i++) await layout.tag(`w${worker}-t${i}`, JSON.parse(descriptor));
