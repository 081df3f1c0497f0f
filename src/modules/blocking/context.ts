// What the blocking module's parts share: the API, the lists in memory and the stanzas the
// module sends itself (which its own sender-side filter lets pass, see enforce.ts).
import type { ModuleApi } from '../../core/module-api.js';
import type { Element } from '../../xmpp/xml.js';
import type { BlocklistCache } from './cache.js';
import type { BlockingOptions } from './options.js';

export interface BlockingContext {
  readonly api: ModuleApi<BlockingOptions>;
  readonly lists: BlocklistCache;
  /** True for a stanza this module routed itself. */
  isOwn(stanza: Element): boolean;
  /** Routes a stanza (its `from` set) and remembers it as the module's own. */
  send(stanza: Element): void;
}
