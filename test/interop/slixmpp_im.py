#!/usr/bin/python3
"""IM interop driver for slixmpp (Debian python3-slixmpp 1.8.x), run by
test/integration/interop-slixmpp-im.test.ts with the Debian Python (/usr/bin/python3).

Two slixmpp accounts, --jid (alice) and --peer-jid (bob), go through the basic IM life cycle
(RFC 6121) against a server on localhost:<port>:

  1. both log in, fetch their rosters (RFC 6121 2.2) and send initial presence (4.2);
  2. alice adds bob to her roster with a name and a group (2.3) and asks to subscribe (3.1.2);
  3. bob receives the request (3.1.3), approves it (3.1.5) and asks back; alice approves;
  4. both wait until slixmpp's own roster, as updated by the server's pushes, shows
     subscription 'both' with no pending request (3.1.6);
  5. each waits for the other's available presence (3.1.5, 4.2.2);
  6. alice chats to bob's bare JID and bob answers (5.1, 8.5.2);
  7. bob disconnects; alice waits for his unavailable presence (4.5.2), then sends him a chat
     message while he has no session, and pings the server so it has handled that message;
  8. bob logs in again: his roster still shows 'both'; after his initial presence he receives
     the message, stamped with a XEP-0203 delay (XEP-0160 2), and both see each other online.

Connection conventions are those of slixmpp_client.py (whose Client class this script extends):
STARTTLS verified against --ca for the name 'localhost' (127.0.0.1 only), and channel binding
switched off, because slixmpp 1.8.3 binds with tls-unique, which is undefined on TLS 1.3.
Subscription requests are never answered by slixmpp itself (auto_authorize = None,
auto_subscribe = False): every approval below is an explicit presence the script sends.

One JSON object per line on stdout ({"event": ...}). Exit 0 on success, 1 on failure (after
{"event": "error", "message": ...}), 2 on bad usage. Every wait is bounded by --timeout seconds,
and the whole run by a multiple of it.
"""
import argparse
import asyncio
import logging
import sys
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # importing slixmpp_client must leave no __pycache__ behind

from slixmpp import JID  # noqa: E402
from slixmpp_client import Client, close, connect, emit, first, run_scenario  # noqa: E402


class ImClient(Client):
    """A slixmpp client that records roster pushes, subscription stanzas and presence."""

    def __init__(self, jid, password, ca):
        super().__init__(jid, password, ca, 'off')
        self.register_plugin('xep_0203')
        # Be explicit: slixmpp must not approve or request anything on its own.
        self.auto_authorize = None
        self.auto_subscribe = False
        self.pushes = []                 # [{jid, subscription, ask, name, groups}] per push, in order
        self.requests = asyncio.Queue()  # <presence type='subscribe'/> received
        self.approvals = asyncio.Queue()  # <presence type='subscribed'/> received
        self.presences = []              # [{from, type}] available / unavailable received
        self.changed = asyncio.Event()   # set whenever any of the above changes
        # Registered after ClientXMPP's own roster handler, so slixmpp's roster is up to date
        # when these run (slixmpp runs plain handlers in registration order).
        self.add_event_handler('roster_update', self._roster_update)
        self.add_event_handler('roster_subscription_request', self._request)
        self.add_event_handler('roster_subscription_authorized', self._approval)
        self.add_event_handler('presence_available', self._presence)
        self.add_event_handler('presence_unavailable', self._presence)

    def _roster_update(self, iq):
        if iq['type'] == 'set':
            for jid, item in iq['roster']['items'].items():
                self.pushes.append({'jid': str(jid), 'subscription': item['subscription'],
                                    'ask': item['ask'] or None, 'name': item['name'] or None,
                                    'groups': sorted(item['groups'])})
        self.changed.set()

    def _request(self, pres):
        self.requests.put_nowait(pres)
        self.changed.set()

    def _approval(self, pres):
        self.approvals.put_nowait(pres)
        self.changed.set()

    def _presence(self, pres):
        self.presences.append({'from': str(pres['from']), 'type': pres['type']})
        self.changed.set()

    def item(self, jid):
        """slixmpp's view of one roster item (not created if missing)."""
        bare = JID(jid).bare
        if not self.client_roster.has_jid(bare):
            return None
        it = self.client_roster[bare]
        return {'jid': bare, 'subscription': it['subscription'], 'pending_out': it['pending_out'],
                'name': it['name'] or None, 'groups': sorted(it['groups'])}

    def saw(self, full_jid, ptype):
        return any(p['from'] == full_jid and p['type'] == ptype for p in self.presences)


async def until(client, predicate, timeout, what):
    """Waits, bounded, until predicate() is true, re-checking after each recorded change."""
    async def loop():
        while True:
            client.changed.clear()
            value = predicate()
            if value:
                return value
            await client.changed.wait()
    return await first(client, loop(), timeout, what)


async def login(args, jid, password):
    client = ImClient(jid, password, args.ca)
    started = client.wait_until('session_start', timeout=args.timeout)
    connect(client, args)
    await first(client, started, args.timeout, f'{jid} login')
    mech = client['feature_mechanisms'].mech
    emit('online', jid=str(client.boundjid), mechanism=mech.name if mech else None, **client.summary())
    return client


async def fetch_roster(client, args, label):
    """Roster get (RFC 6121 2.1.3); returns the server's items as the result carried them."""
    result = await first(client, client.get_roster(timeout=args.timeout), args.timeout, f'{label} roster get')
    items = [{'jid': str(jid), 'subscription': it['subscription'], 'ask': it['ask'] or None,
              'name': it['name'] or None, 'groups': sorted(it['groups'])}
             for jid, it in result['roster']['items'].items()]
    emit('roster-get', who=str(client.boundjid), label=label, ver=result['roster']['ver'] or None, items=items)
    return items


async def go_available(client, args):
    """Initial presence (RFC 6121 4.2.1), waiting for the server's echo to this resource (4.2.2)."""
    client.send_presence()
    me = str(client.boundjid)
    await until(client, lambda: client.saw(me, 'available'), args.timeout, f'{me}: own presence back')


async def next_chat(client, args, what):
    msg = await first(client, client.messages.get(), args.timeout, what)
    delay = msg['delay'] if msg.xml.find('{urn:xmpp:delay}delay') is not None else None
    return {'who': str(client.boundjid), 'from': str(msg['from']), 'to': str(msg['to']), 'type': msg['type'],
            'body': msg['body'], 'id': msg['id'],
            'delay': None if delay is None else {
                'from': str(delay['from']) if delay['from'] else None,
                'stamp': delay.xml.get('stamp'),
                'text': delay['text'] or None,
            }}


def subscription_event(name, client, pres):
    emit(name, who=str(client.boundjid), **{'from': str(pres['from']), 'to': str(pres['to']), 'type': pres['type']})


async def scenario(args):
    a = await login(args, args.jid, args.password)
    clients = [a]
    try:
        b = await login(args, args.peer_jid, args.peer_password)
        clients.append(b)
        alice, bob = a.boundjid.bare, b.boundjid.bare

        # 1. Rosters first (so both resources are "interested" and get pushes), then presence.
        for c in (a, b):
            await fetch_roster(c, args, 'initial')
            await go_available(c, args)

        # 2. alice: roster set with a name and a group, then the subscription request.
        await first(a, a.update_roster(JID(bob), name='Bob', groups=['Friends'], timeout=args.timeout),
                    args.timeout, 'roster set')
        # The server pushes the new item to the interested resource before the result (2.3.2).
        emit('roster-set', who=str(a.boundjid), pushes=list(a.pushes))
        a.send_presence(pto=JID(bob), ptype='subscribe')

        # 3. bob gets the request, approves it and asks back; alice gets both and approves.
        req = await first(b, b.requests.get(), args.timeout, 'bob: subscription request')
        subscription_event('subscription-request', b, req)
        b.send_presence(pto=req['from'].bare, ptype='subscribed')
        b.send_presence(pto=req['from'].bare, ptype='subscribe')
        ok = await first(a, a.approvals.get(), args.timeout, 'alice: approval')
        subscription_event('subscription-approved', a, ok)
        req2 = await first(a, a.requests.get(), args.timeout, 'alice: subscription request')
        subscription_event('subscription-request', a, req2)
        a.send_presence(pto=req2['from'].bare, ptype='subscribed')
        ok2 = await first(b, b.approvals.get(), args.timeout, 'bob: approval')
        subscription_event('subscription-approved', b, ok2)

        # 4. slixmpp's own rosters, as the server's pushes left them.
        def mutual(c, peer):
            it = c.item(peer)
            return it if it and it['subscription'] == 'both' and not it['pending_out'] else None
        for c, peer in ((a, bob), (b, alice)):
            it = await until(c, lambda c=c, peer=peer: mutual(c, peer), args.timeout, f'{c.boundjid}: subscription both')
            emit('roster', who=str(c.boundjid), item=it, pushes=c.pushes)

        # 5. Each sees the other's available presence.
        for c, peer in ((a, b), (b, a)):
            full = str(peer.boundjid)
            await until(c, lambda c=c, full=full: c.saw(full, 'available'), args.timeout, f'{c.boundjid}: presence of {full}')
            emit('presence-seen', who=str(c.boundjid), **{'from': full})

        # 6. Chat both ways.
        a.send_message(mto=JID(bob), mbody='hello bob', mtype='chat')
        got = await next_chat(b, args, 'bob: chat from alice')
        emit('received', **got)
        b.send_message(mto=JID(alice), mbody='hello alice', mtype='chat')
        back = await next_chat(a, args, 'alice: chat from bob')
        emit('received', **back)

        # 7. bob leaves; alice learns it from his unavailable presence, then writes to him.
        bob_first = str(b.boundjid)
        await close(b)
        clients.remove(b)
        await until(a, lambda: a.saw(bob_first, 'unavailable'), args.timeout, 'alice: bob unavailable')
        emit('presence-gone', who=str(a.boundjid), **{'from': bob_first})
        sent_at = datetime.now(timezone.utc).isoformat()
        a.send_message(mto=JID(bob), mbody='while you were away', mtype='chat')
        # The server handles one stream's stanzas in order: once the ping is answered, it has
        # taken the message.
        await first(a, a['xep_0199'].send_ping(JID(a.boundjid.domain), timeout=args.timeout), args.timeout, 'ping')
        emit('sent-offline', who=str(a.boundjid), to=bob, sentAt=sent_at)

        # 8. bob again: roster first, then initial presence, which releases the stored message.
        b2 = await login(args, args.peer_jid, args.peer_password)
        clients.append(b2)
        await fetch_roster(b2, args, 'relogin')
        emit('relogin-roster', who=str(b2.boundjid), item=b2.item(alice))
        b2.send_presence()
        stored = await next_chat(b2, args, 'bob: offline message')
        stored['receivedAt'] = datetime.now(timezone.utc).isoformat()
        emit('received-offline', **stored)
        alice_full, bob_again = str(a.boundjid), str(b2.boundjid)
        await until(b2, lambda: b2.saw(alice_full, 'available'), args.timeout, 'bob: alice presence after relogin')
        emit('presence-seen', who=bob_again, **{'from': alice_full})
        await until(a, lambda: a.saw(bob_again, 'available'), args.timeout, 'alice: bob presence after relogin')
        emit('presence-seen', who=alice_full, **{'from': bob_again})
    finally:
        await close(*clients)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', required=True, help='PEM file to trust (the server certificate)')
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--peer-jid', required=True)
    parser.add_argument('--peer-password', required=True)
    parser.add_argument('--timeout', type=float, default=10)
    parser.add_argument('--debug', action='store_true', help='slixmpp debug log on stderr (shows SASL payloads)')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL, stream=sys.stderr)

    run_scenario(scenario, args, bound=args.timeout * 6)


if __name__ == '__main__':
    main()
