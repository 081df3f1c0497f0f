#!/usr/bin/python3
"""Message carbons interop driver for slixmpp (Debian python3-slixmpp 1.8.x), run by
test/integration/interop-slixmpp-modern.test.ts with the Debian Python (/usr/bin/python3).

--jid logs in twice, as resources 'desktop' (priority 5) and 'phone' (priority 1), both
enabling carbons with slixmpp's XEP-0280 plugin (§4); --peer-jid logs in once. Then:

  1. the peer writes to desktop's full JID, then to the bare JID (which goes to desktop, the
     highest priority): phone gets a <received/> carbon of each (§7);
  2. desktop writes to the peer, then phone does: the other resource gets a <sent/> carbon of
     each (§8);
  3. desktop writes a message marked <private/> with a <no-copy/> hint: no carbon (§9);
  4. the peer writes to desktop's full JID once more; when phone has its carbon and a ping round
     trip is done, each resource reports the messages and carbons (only those slixmpp accepted
     as coming from its own account, §11) it got, in order.

One JSON object per line on stdout; exit 0 on success, 1 on failure; every wait bounded by
--timeout seconds.
"""
import sys

sys.dont_write_bytecode = True  # importing the helpers must leave no __pycache__ behind

from slixmpp import JID  # noqa: E402
from slixmpp.xmlstream import ET  # noqa: E402
from slixmpp_client import close, emit, first  # noqa: E402
from slixmpp_modern import Modern, login, main, ping, until, wait_body  # noqa: E402

CARBONS = 'urn:xmpp:carbons:2'
HINTS = 'urn:xmpp:hints'


class CarbonClient(Modern):
    """Records, in order, the chat messages and the carbons this resource receives."""

    def __init__(self, jid, password, ca):
        super().__init__(jid, password, ca, ['xep_0280'])
        self.log = []   # [{kind: 'message' | 'received' | 'sent', from, to, body, inner?}]
        self.add_event_handler('carbon_received', lambda m: self._carbon('received', m))
        self.add_event_handler('carbon_sent', lambda m: self._carbon('sent', m))

    def _message(self, msg):
        if msg['type'] in ('chat', 'normal') and msg['body']:
            self.log.append({'kind': 'message', 'from': str(msg['from']), 'to': str(msg['to']), 'body': msg['body']})
        super()._message(msg)

    def _carbon(self, kind, msg):
        inner = msg[f'carbon_{kind}']
        self.log.append({'kind': kind, 'from': str(msg['from']), 'to': str(msg['to']), 'body': inner['body'],
                         'inner': {'from': str(inner['from']), 'to': str(inner['to']), 'type': inner['type']}})
        self.changed.set()

    def saw_carbon(self, body):
        return any(e['kind'] != 'message' and e['body'] == body for e in self.log)


async def resource(args, name, priority):
    client = await login(args, f'{JID(args.jid).bare}/{name}', args.password, CarbonClient)
    result = await first(client, client['xep_0280'].enable(timeout=args.timeout), args.timeout, f'{name}: enable carbons')
    emit('carbons-enabled', who=str(client.boundjid), type=result['type'])
    client.send_presence(ppriority=priority)
    return client


async def scenario(args):
    clients = []
    try:
        desktop = await resource(args, 'desktop', 5)
        clients.append(desktop)
        phone = await resource(args, 'phone', 1)
        clients.append(phone)
        peer = await login(args, args.peer_jid, args.peer_password)
        clients.append(peer)
        peer.send_presence()
        for c in clients:
            await ping(c, args)
        own_bare, peer_bare = JID(desktop.boundjid.bare), JID(peer.boundjid.bare)

        # 1. Received messages, to the full and to the bare JID.
        peer.send_message(mto=JID(str(desktop.boundjid)), mbody='to the desktop', mtype='chat')
        peer.send_message(mto=own_bare, mbody='to the account', mtype='chat')
        await wait_body(desktop, 'to the account', args)

        # 2. Sent messages, from each resource.
        desktop.send_message(mto=peer_bare, mbody='from the desktop', mtype='chat')
        await wait_body(peer, 'from the desktop', args)
        phone.send_message(mto=peer_bare, mbody='from the phone', mtype='chat')
        await wait_body(peer, 'from the phone', args)

        # 3. A private message (§9).
        private = desktop.make_message(mto=peer_bare, mbody='off the record', mtype='chat')
        private.xml.append(ET.Element(f'{{{CARBONS}}}private'))
        private.xml.append(ET.Element(f'{{{HINTS}}}no-copy'))
        private.send()
        await wait_body(peer, 'off the record', args)

        # 4. The last one; everything before it is in by the time its carbon is.
        peer.send_message(mto=JID(str(desktop.boundjid)), mbody='the end', mtype='chat')
        await until(phone, lambda: phone.saw_carbon('the end'), args.timeout, 'phone: carbon of the last message')
        await wait_body(desktop, 'the end', args)
        for c in (desktop, phone):
            await ping(c, args)
            emit('log', who=str(c.boundjid), entries=c.log)
        emit('peer', who=str(peer.boundjid), bodies=peer.bodies)
    finally:
        await close(*clients)


if __name__ == '__main__':
    main(__doc__, scenario, bound=5)
