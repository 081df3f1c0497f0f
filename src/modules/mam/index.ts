// XEP-0313: Message Archive Management for user archives, with XEP-0441 preferences and
// XEP-0359 stanza ids. Messages a local account sends or receives are archived (archiving.ts)
// through a write-behind buffer (writer.ts) and queried with RSM paging (iq.ts, query.ts).
// Wiring only: the account caches, the buffer's flush barrier, retention and disco.
import { defineModule, unrefTimers, WriteBehind } from '../../core/module-api.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import type { ArchiveEntry } from '../../storage/types.js';
import { installArchiving } from './archiving.js';
import type { MamContext } from './context.js';
import { ArchiveIds } from './ids.js';
import { installIq } from './iq.js';
import { mamOptions } from './options.js';
import { PolicyCache, type Policy } from './policy.js';
import { defaultPrefs } from './prefs.js';
import { durationMs, purgeEvery, Retention } from './retention.js';

export default defineModule({
  name: 'mam',
  description: 'Message archives of accounts, queried with paging (XEP-0313, XEP-0441, XEP-0359)',
  specs: ['XEP-0313', 'XEP-0441', 'XEP-0359', 'XEP-0059', 'XEP-0297', 'XEP-0334'],
  options: mamOptions,
  setup(api) {
    const { host, options, storage, log } = api;

    // §7: on the archiving JIDs, the accounts' bare JIDs. XEP-0359 §5: stanza ids are assigned
    // (and forged ones removed) by the account. Also on the server's JID, as ejabberd does:
    // some clients look for the archive only there (Profanity 0.13 loads no history otherwise),
    // and a query sent there reads the sender's own archive (iq.ts).
    for (const feature of [NS.MAM, NS.MAM_EXTENDED, NS.SID]) api.addFeature(feature, 'account');
    for (const feature of [NS.MAM, NS.MAM_EXTENDED]) api.addFeature(feature, 'host');

    const load = async (username: string): Promise<Policy> => {
      const online = api.sessionsOf(Jid.of(username, host)).length > 0;
      if (!online && (await storage.accounts.get(host, username)) === undefined) {
        return { exists: false, prefs: defaultPrefs(options.default_mode), roster: undefined };
      }
      const prefs = (await storage.archive.getPrefs(host, username)) ?? defaultPrefs(options.default_mode);
      const roster = prefs.default === 'roster' ? new Set((await storage.roster.get(host, username)).items.map((i) => i.jid)) : undefined;
      return { exists: true, prefs, roster };
    };

    // The API's setTimeout keeps a disposer per call; the buffer's timers are plain unref'd ones.
    const timers = unrefTimers();
    const writer = new WriteBehind<ArchiveEntry>(
      async (rows) => {
        await storage.archive.append(rows);
      },
      { batch: options.write_batch, delayMs: options.write_delay_ms },
      timers.schedule,
      (err, rows) => log.error('archived messages could not be written', { rows, err }),
    );
    const ctx: MamContext = { api, ids: new ArchiveIds(), writer, policies: new PolicyCache(load, options.cache_size) };

    api.addFlusher(() => writer.flush());
    api.onUnload(async () => {
      timers.cancelAll();
      await writer.flush().catch(() => undefined);
    });

    api.on('session/bound', ({ session }) => {
      ctx.policies.pin(session.jid.local);
    });
    api.on('session/closed', ({ session }) => {
      if (api.sessionsOf(session.jid.toBare()).length === 0) ctx.policies.unpin(session.jid.local);
    });
    api.on('roster/changed', ({ host: h, username }) => {
      if (h === host) ctx.policies.forget(username);
    });
    api.on('account/created', ({ host: h, username }) => {
      if (h === host) ctx.policies.forget(username);
    });
    // Storage removes the archive with the account (in the same statement). Only what this
    // module holds goes here: a deletion made elsewhere is noticed up to a second later, and by
    // then the name may belong to an account created again, whose archive must stay.
    api.on('account/deleted', ({ host: h, username }) => {
      if (h !== host) return;
      ctx.policies.forget(username);
      writer.drop((row) => row.username === username);
    });

    const maxAge = durationMs(options.max_age);
    if (maxAge > 0) {
      const retention = new Retention((before, limit) => storage.archive.purge(host, before, limit), maxAge);
      api.setInterval(() => {
        retention.run().then(
          (n) => {
            if (n > 0) log.info('old archived messages deleted', { count: n });
          },
          (err: unknown) => log.error('archive retention failed', { err }),
        );
      }, purgeEvery(maxAge));
    }

    installArchiving(ctx);
    installIq(ctx);
  },
});
