// XEP-0012: Last Activity (version 2.0). The server answers for itself with its uptime (§5) and
// for an account's bare JID with the time since the account's last session ended and the status
// text of the user's last unavailable presence (§3), but only to those allowed to see the user's
// presence (§3, §8); a query to a full JID from anyone else is refused before delivery (§4).
import { defineModule, unrefTimers, WriteBehind, z } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { iqPayload } from '../../xmpp/stanza.js';
import type { Jid } from '../../xmpp/jid.js';
import type { KeyValueEntry } from '../../storage/types.js';
import { lastQuery, maySee, parseRecord, secondsSince, statusText, type LastRecord } from './rules.js';

const KEY = 'last';
/** Logouts written in one transaction at most, and the longest one waits for its batch. */
const LAST_BATCH = 200;
const LAST_DELAY_MS = 250;

export default defineModule({
  name: 'last',
  description: 'Last activity of accounts and server uptime (XEP-0012)',
  specs: ['XEP-0012'],
  options: z.strictObject({}),
  setup(api) {
    const { keyValue: kv, roster } = api.storage;
    const started = Date.now();
    api.addFeature(NS.LAST, 'host');
    api.addFeature(NS.LAST, 'account');

    const allowed = async (from: Jid, owner: Jid): Promise<boolean> =>
      from.bare === owner.bare || maySee(from.bare, owner.bare, await roster.getItem(owner.domain, owner.local, from.bare));

    // §5: to the server, its uptime, without text.
    api.iq('get', NS.LAST, 'query', () => lastQuery(secondsSince(started, Date.now())));

    api.iq('get', NS.LAST, 'query', async ({ from, to }) => {
      // §3 "MUST return a forbidden error". Checked first, so that a stranger gets the same
      // answer for an account that does not exist as for one that does (no directory harvesting).
      if (!(await allowed(from, to))) throw new StanzaError('forbidden');
      // §3: with a connected or available resource, seconds='0' and no text.
      if (api.sessionsOf(to).length > 0) return lastQuery(0);
      const rec = parseRecord(unwritten.get(to.bare) ?? (await kv.get(to.domain, to.local, KEY)));
      if (!rec) throw new StanzaError('item-not-found', 'no logout recorded for this account');
      return lastQuery(secondsSince(rec.at, Date.now()), rec.status);
    }, { to: ['bare'] });

    // §4: "MUST NOT deliver the IQ-get to an available resource but instead MUST return a
    // forbidden error" when the requester may not see the user's presence. Core delivery runs
    // after this handler for the allowed ones.
    api.on('iq/full', (ev) => {
      if (ev.stanza.attrs.type !== 'get' || ev.from.bare === ev.to.bare) return undefined;
      const p = iqPayload(ev.stanza);
      if (!p || p.getName() !== 'query' || p.getNS() !== NS.LAST) return undefined;
      return allowed(ev.from, ev.to.toBare()).then((ok) => {
        if (!ok) throw new StanzaError('forbidden');
        return undefined;
      });
    });

    // The status text of the last unavailable presence each session sent (§3), kept until the
    // session ends; going available again forgets it.
    const statusOf = new Map<string, string>();
    api.on('presence/unavailable', ({ session, stanza }) => {
      if (stanza) statusOf.set(session.id, statusText(stanza));
      return undefined;
    });
    api.on('presence/available', ({ session }) => {
      statusOf.delete(session.id);
      return undefined;
    });

    // When an account's last session ends, record when and with which status (§3). Logouts are
    // written in batches (one transaction per LAST_BATCH or LAST_DELAY_MS), not one statement
    // each; until its batch is written a record is answered from `unwritten`.
    const unwritten = new Map<string, string>();
    const timers = unrefTimers();
    const writer = new WriteBehind<KeyValueEntry>(
      async (rows) => {
        await kv.setMany(rows);
        for (const r of rows) {
          const bare = `${r.username}@${r.host}`;
          if (unwritten.get(bare) === r.value) unwritten.delete(bare);
        }
      },
      { batch: LAST_BATCH, delayMs: LAST_DELAY_MS },
      timers.schedule,
      (err, rows) => api.log.warn('last activity not recorded', { rows, err }),
    );
    api.on('session/closed', ({ session }) => {
      const status = statusOf.get(session.id) ?? '';
      statusOf.delete(session.id);
      const bare = session.jid.toBare();
      if (api.sessionsOf(bare).length > 0) return undefined;
      const rec: LastRecord = { at: Date.now(), status };
      const value = JSON.stringify(rec);
      unwritten.set(bare.bare, value);
      writer.add({ host: bare.domain, username: bare.local, key: KEY, value });
      return undefined;
    });
    api.on('account/deleted', ({ host, username }) => {
      writer.drop((row) => row.host === host && row.username === username);
      unwritten.delete(`${username}@${host}`);
      return undefined;
    });
    // Sessions closed at shutdown are recorded before storage closes.
    api.onUnload(async () => {
      timers.cancelAll();
      await writer.flush().catch(() => undefined);
    });
  },
});
