// XEP-0191: Blocking Command. A user blocks JIDs (bare, full or whole domains); the server then
// keeps every stanza between them from passing, in both directions (§3.3), tells the user's
// resources that asked for the list about changes (pushes), and sends presence on block and
// unblock. Wiring only: rules.ts (matching, parsing), cache.ts (lists in memory), enforce.ts
// (stanza checks), commands.ts (the IQs).
import { defineModule } from '../../core/module-api.js';
import { NS } from '../../xmpp/ns.js';
import type { Element } from '../../xmpp/xml.js';
import { BlocklistCache } from './cache.js';
import { installCommands } from './commands.js';
import { installEnforcement } from './enforce.js';
import { blockingOptions } from './options.js';
import type { BlockingContext } from './context.js';

export default defineModule({
  name: 'blocking',
  description: 'Blocking Command: users block JIDs, bare, full or whole domains (XEP-0191)',
  specs: ['XEP-0191'],
  options: blockingOptions,
  setup(api) {
    // §3.1 asks the server's JID to announce the feature; clients also look on the account.
    api.addFeature(NS.BLOCKING, 'host');
    api.addFeature(NS.BLOCKING, 'account');

    const lists = new BlocklistCache((username) => api.storage.blocklist.list(api.host, username), api.options.cache_size);
    const own = new WeakSet<Element>();
    const ctx: BlockingContext = {
      api,
      lists,
      isOwn: (stanza) => own.has(stanza),
      send: (stanza) => {
        own.add(stanza);
        api.send(stanza);
      },
    };

    // An online account's list stays in memory until its last session ends.
    api.on('session/bound', ({ session }) => {
      lists.pin(session.jid.local);
    });
    api.on('session/closed', ({ session }) => {
      if (api.sessionsOf(session.jid.toBare()).length === 0) lists.unpin(session.jid.local);
    });
    api.on('account/deleted', (ev) => {
      if (ev.host === api.host) lists.forget(ev.username);
    });

    installEnforcement(ctx);
    installCommands(ctx);
  },
});
