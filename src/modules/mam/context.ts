// What the mam module's parts share.
import type { ModuleApi, WriteBehind } from '../../core/module-api.js';
import type { ArchiveEntry } from '../../storage/types.js';
import type { ArchiveIds } from './ids.js';
import type { MamOptions } from './options.js';
import type { PolicyCache } from './policy.js';

export interface MamContext {
  readonly api: ModuleApi<MamOptions>;
  readonly ids: ArchiveIds;
  /** Archived messages on their way to storage. */
  readonly writer: WriteBehind<ArchiveEntry>;
  readonly policies: PolicyCache;
}
