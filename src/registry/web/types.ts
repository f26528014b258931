/** The read-only web page at `/`: served by web/, wired in by the server for non-/v2/ GETs. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegistryStore } from '../store/types.js';

export type WebHandler = (req: IncomingMessage, res: ServerResponse, store: RegistryStore) => Promise<boolean>;
