/** The registry's own filesystem store at `root`, for tests that run the real server. */
import { FilesystemDriver } from '../../../src/registry/storage/fs-driver.js';
import { createRegistryStore } from '../../../src/registry/store/store.js';
import type { RegistryStore } from '../../../src/registry/store/types.js';

export function fsStore(root: string): RegistryStore {
  return createRegistryStore(new FilesystemDriver(root));
}
