/** runtime.md#state: the state JSON of one container, status derived live. */
import { liveStatus, publicState } from '../state/status.js';
import { containerDir, readState } from '../state/store.js';

export function state(root: string, id: string): Record<string, unknown> {
  const s = readState(root, id);
  return publicState(s, liveStatus(containerDir(root, id), s));
}
