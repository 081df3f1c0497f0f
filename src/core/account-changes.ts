// What the server does when an account changed outside it (account-notes.ts reads the notes):
// the sessions and the logins under way that hold credentials the account no longer has end.
import type { Logger } from '../util/log.js';
import type { AccountNote, Credentials } from '../storage/types.js';
import { StreamError } from '../xmpp/errors.js';
import { Jid } from '../xmpp/jid.js';
import { credentialStamp, type OnlineView } from './account-notes.js';
import type { C2sStream } from './c2s/stream.js';
import type { Host } from './host.js';
import type { SessionManager } from './session-manager.js';

/** Who is online when account notes are read: sessions, and logins not yet bound (by account). */
export interface LoginsView extends OnlineView {
  /** Streams with a login not yet bound to a session (pendingLogins). */
  readonly pending: ReadonlyMap<string, readonly C2sStream[]>;
}

export interface AccountChangeDeps {
  hosts: ReadonlyMap<string, Host>;
  sessions: SessionManager;
  streams: ReadonlySet<C2sStream>;
  /** Drops the account's cached record. */
  forget(host: string, username: string): void;
  log: Logger;
}

/**
 * Logins not yet bound to a session, by account: in a SASL exchange that reads or has read the
 * account's credentials, or authenticated and before their bind or resumption. A change to the
 * account's credentials noticed in that moment must reach them too, or they would get in with
 * what they read before. Found by a walk over the streams once per batch of notes read (at
 * most once a second), so logins pay nothing for it.
 */
function pendingLogins(streams: ReadonlySet<C2sStream>): Map<string, C2sStream[]> {
  const found = new Map<string, C2sStream[]>();
  for (const stream of streams) {
    const login = stream.pendingLogin;
    if (!login) continue;
    const bare = `${login.username}@${stream.host!.name}`;
    const list = found.get(bare);
    if (list) list.push(stream);
    else found.set(bare, [stream]);
  }
  return found;
}

/** The view of one batch of notes (AccountNoteWatch's `view`). */
export function loginsView(deps: AccountChangeDeps): LoginsView {
  const pending = pendingLogins(deps.streams);
  return { pending, online: (host, username) => deps.sessions.hasAccount(`${username}@${host}`) || pending.has(`${username}@${host}`) };
}

/**
 * An account changed outside the server: the sessions that logged in with credentials it no
 * longer has end (all of them once it is gone; when it was created again, those of the deleted
 * account, so the holder of a compromised account keeps no session on its successor). A
 * deletion ends them as XEP-0077 §3.2 ends one made in-band, with <not-authorized/>; new
 * credentials (a password reset with the CLI) as an in-band change does, with <reset/>
 * (RFC 6120 §4.9.3.16: the stream's security context is void, authenticate anew).
 */
export function accountChangedElsewhere(deps: AccountChangeDeps, note: AccountNote, current: Credentials | undefined, view: LoginsView): void {
  const { host: domain, username, kind } = note;
  const host = deps.hosts.get(domain);
  if (!host) return;
  deps.forget(domain, username);
  const stamp = current ? credentialStamp(current) : undefined;
  const bare = Jid.of(username, domain);
  const ending: { close(error: StreamError): void }[] = deps.sessions.resources(bare).filter((s) => s.credentialStamp !== stamp);
  // Logins under way with the old credentials go too: their bind would come after this check.
  // One whose read is under way reads again, so it cannot go on with what it read before.
  // Their state now, not at the walk: reads and binds went on while this note's were read.
  for (const stream of view.pending.get(`${username}@${domain}`) ?? []) {
    const login = stream.pendingLogin;
    // Bound since (then among the sessions above), ended, or now logging in to another account.
    if (!login || login.username !== username) continue;
    if (login.reading) stream.sasl.accountChanged();
    else if (login.stamp !== stamp) ending.push(stream);
  }
  if (kind === 'deleted') {
    deps.log.info('account deleted outside the server; its sessions end', { host: domain, username, sessions: ending.length });
    host.events.emit('account/deleted', { host: domain, username });
    for (const s of ending) s.close(new StreamError('not-authorized', 'the account has been deleted'));
  } else if (ending.length > 0) {
    deps.log.info('credentials changed outside the server; sessions that logged in with others end', { host: domain, username, sessions: ending.length });
    for (const s of ending) s.close(new StreamError('reset', 'the password has been changed'));
  }
}
