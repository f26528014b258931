/** Opens a RegistryClient for a docker:// reference, with credentials from flags or auth files. */
import { lookupCredentials } from '../auth-file.js';
import type { RemoteOptions } from '../image-source.js';
import type { DockerReference } from '../reference.js';
import { RegistryClient } from './client.js';

export async function connectRegistry(
  ref: DockerReference,
  label: string,
  remote: RemoteOptions,
  actions: string[],
  extraScopes?: string[],
): Promise<RegistryClient> {
  const creds = remote.creds ?? (await lookupCredentials(ref.registry, ref.repository, remote.authfile));
  return RegistryClient.connect({
    registry: ref.registry,
    repository: ref.repository,
    tlsVerify: remote.tlsVerify ?? true,
    creds,
    actions,
    extraScopes,
    label,
  });
}
