#!/usr/bin/python3
"""Stream management interop driver for slixmpp (Debian python3-slixmpp 1.8.x), run by
test/integration/interop-slixmpp-modern.test.ts with the Debian Python (/usr/bin/python3).

alice logs in with slixmpp's XEP-0198 plugin (which enables stream management with
resumption right after binding), bob without it:

  1. alice's stream management is enabled (XEP-0198 §3); she sends initial presence;
  2. bob sends alice a message, alice answers him (both arrive);
  3. alice's TCP connection is dropped abruptly: the socket is closed with neither
     </stream:stream> nor a TLS close, as when a phone loses its network;
  4. bob sends three messages while alice is away (two to her full JID, one to her bare JID)
     and pings the server, so it has handled them;
  5. alice connects again and slixmpp resumes the stream (§5) with its count of handled
     stanzas; the server resends what she had not acknowledged;
  6. bob sends one more message; once alice has it and a ping round trip is done, she reports
     every chat message she got, in order: each must be there exactly once.

Connection conventions are those of slixmpp_client.py: STARTTLS verified against --ca for the
name 'localhost' (127.0.0.1 only), channel binding off. One JSON object per line on stdout;
exit 0 on success, 1 on failure; every wait bounded by --timeout seconds.
"""
import asyncio
import sys

sys.dont_write_bytecode = True  # importing the helpers must leave no __pycache__ behind

from slixmpp import JID  # noqa: E402
from slixmpp_client import abort, close, connect, emit, first  # noqa: E402
from slixmpp_modern import Modern, login, main, ping, wait_body  # noqa: E402


class SmClient(Modern):
    """A slixmpp client with stream management that may lose its connection on purpose."""

    def __init__(self, jid, password, ca):
        super().__init__(jid, password, ca, ['xep_0198'])
        self.dropping = False      # while true, losing the connection is expected
        self.sm = asyncio.Queue()  # ('enabled' | 'resumed' | 'failed', stanza)
        self.dropped = asyncio.get_event_loop().create_future()
        self.add_event_handler('sm_enabled', lambda s: self.sm.put_nowait(('enabled', s)))
        self.add_event_handler('session_resumed', lambda s: self.sm.put_nowait(('resumed', s)))
        self.add_event_handler('sm_failed', lambda s: self.sm.put_nowait(('failed', s)))
        self.add_event_handler('disconnected', self._disconnected)

    def _end(self, why):
        if self.dropping and why.startswith('disconnected'):
            return
        super()._end(why)

    def _disconnected(self, _event):
        if self.dropping and not self.dropped.done():
            self.dropped.set_result(True)


class Sender(Modern):
    """bob: records the errors that come back to him."""

    def __init__(self, jid, password, ca):
        super().__init__(jid, password, ca)
        self.errors = []
        self.add_event_handler('message_error', lambda m: self.errors.append(
            {'id': m['id'], 'condition': m['error']['condition']}))


async def sm_event(client, args, what):
    kind, stanza = await first(client, client.sm.get(), args.timeout, what)
    return kind, {k: stanza.xml.get(k) for k in ('id', 'resume', 'max', 'previd', 'h') if stanza.xml.get(k) is not None}


async def scenario(args):
    a = await login(args, args.jid, args.password, SmClient)
    clients = [a]
    try:
        # 1. slixmpp sends <enable resume='true'/> after binding.
        kind, attrs = await sm_event(a, args, 'alice: stream management enabled')
        emit('sm', who=str(a.boundjid), kind=kind, **attrs)
        if kind != 'enabled':
            raise RuntimeError(f'stream management not enabled: {kind} {attrs}')
        a.send_presence(ppriority=1)
        b = await login(args, args.peer_jid, args.peer_password, Sender)
        b.send_presence()
        clients.append(b)
        alice_full, alice_bare = JID(str(a.boundjid)), JID(a.boundjid.bare)

        # 2. A conversation before the drop.
        b.send_message(mto=alice_full, mbody='before the drop', mtype='chat')
        await wait_body(a, 'before the drop', args)
        a.send_message(mto=JID(b.boundjid.bare), mbody='hello bob', mtype='chat')
        got = await first(b, b.messages.get(), args.timeout, 'bob: message from alice')
        emit('received', who=str(b.boundjid), body=got['body'], **{'from': str(got['from'])})
        await ping(a, args)

        # 3. The connection goes, with no stream close.
        handled_before = a['xep_0198'].handled
        a.dropping = True
        abort(a)
        await first(a, asyncio.shield(a.dropped), args.timeout, 'alice: connection lost')
        emit('dropped', who=str(a.boundjid), handled=handled_before)

        # 4. Messages while alice is away; the ping means the server has handled them.
        b.send_message(mto=alice_full, mbody='away 1', mtype='chat')
        b.send_message(mto=alice_bare, mbody='away 2', mtype='chat')
        b.send_message(mto=alice_full, mbody='away 3', mtype='chat')
        await ping(b, args)
        emit('sent-away', who=str(b.boundjid))

        # 5. slixmpp resumes the stream on a new connection.
        connect(a, args)
        kind, attrs = await sm_event(a, args, 'alice: resumption')
        emit('sm', who=str(a.boundjid), kind=kind, **attrs)
        if kind != 'resumed':
            raise RuntimeError(f'stream not resumed: {kind} {attrs}')
        a.dropping = False

        # 6. One more message after the resumption, then everything alice got.
        b.send_message(mto=alice_full, mbody='after the resumption', mtype='chat')
        await wait_body(a, 'after the resumption', args)
        await ping(a, args)
        emit('bodies', who=str(a.boundjid), bodies=list(a.bodies), handled=a['xep_0198'].handled)
        await ping(b, args)
        emit('bounced', who=str(b.boundjid), errors=b.errors)
    finally:
        await close(*clients)


if __name__ == '__main__':
    main(__doc__, scenario, bound=4)
