/** The default store: the registry store over the filesystem driver at `root`. */
import { FilesystemDriver } from '../storage/fs-driver.js';
import { createRegistryStore } from '../store/store.js';
import type { RegistryStore } from '../store/types.js';

export async function openStore(root: string): Promise<RegistryStore> {
  return createRegistryStore(new FilesystemDriver(root));
}
