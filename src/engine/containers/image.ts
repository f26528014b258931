/**
 * What a container needs of an image, in one place: find it locally (or pull it, as `docker
 * run` does), its config, and its snapshots as overlay lowerdirs.
 */
import type { ImageConfig } from '../../oci/types.js';
import type { Engine } from '../engine.js';

export interface RunnableImage {
  /** The full reference it resolved to (docker.io/library/busybox:latest), or its id. */
  ref: string;
  /** The config digest: docker's image id. */
  id: string;
  config: ImageConfig;
  /** Snapshot directories, top layer first. */
  lowerdirs: string[];
}

export interface ImageLookupOptions {
  pull: 'missing' | 'always' | 'never';
  quiet: boolean;
  tlsVerify?: boolean;
}

export async function imageForContainer(engine: Engine, name: string, o: ImageLookupOptions): Promise<RunnableImage> {
  const images = await import('../images/index.js');
  const store = images.openImageStore(engine.paths.root);
  let image = o.pull === 'always' ? undefined : await images.resolveLocalImage(store, name);
  if (!image) {
    if (o.pull === 'never') {
      const { HullError } = await import('../../errors.js');
      throw new HullError('NO_SUCH_IMAGE', `no such image: ${name}`);
    }
    image = await images.pullImage(store, name, { quiet: o.quiet, tlsVerify: o.tlsVerify });
  }
  const lowerdirs = await images.ensureSnapshots(store, image);
  return { ref: image.ref, id: image.id, config: image.config, lowerdirs };
}
