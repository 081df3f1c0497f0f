#!/usr/bin/python3
"""PEP interop driver for slixmpp (Debian python3-slixmpp 1.8.x), run by
test/integration/interop-slixmpp-modern.test.ts with the Debian Python (/usr/bin/python3).

--jid (the owner) and --peer-jid (the contact) log in with slixmpp's XEP-0084 plugin, which
registers an interest in avatar metadata: '+notify' in their disco#info and in the XEP-0115
caps hash their presence carries. Then:

  1. the contact asks for a presence subscription to the owner, and slixmpp on the owner's
     side approves it (its default auto_authorize); the contact waits for the approval and
     the owner's available presence (RFC 6121 §3.1);
  2. the owner publishes avatar data, then metadata (XEP-0084 §3.1, §3.2);
  3. the contact gets the metadata notification (XEP-0163 §4.3, +notify through the caps the
     server verified), fetches the data by the id it names (XEP-0084 §3.4) and reports both;
  4. bookmarks: the owner adds a room with XEP-0402 (publish-options, §3.3), reads the
     bookmarks back with XEP-0048 from private XML storage (XEP-0049), replaces them there
     with two rooms, and reads those back with XEP-0402 (the server keeps both in step,
     XEP-0402 §6.3); the contact tries to read the owner's bookmarks node.

One JSON object per line on stdout; exit 0 on success, 1 on failure; every wait bounded by
--timeout seconds.
"""
import hashlib
import struct
import sys
import zlib

sys.dont_write_bytecode = True  # importing the helpers must leave no __pycache__ behind

from slixmpp import JID  # noqa: E402
from slixmpp.exceptions import IqError  # noqa: E402
from slixmpp.plugins.xep_0004.stanza import Form  # noqa: E402
from slixmpp.plugins.xep_0048 import Bookmarks  # noqa: E402
from slixmpp.xmlstream import ET  # noqa: E402
from slixmpp_client import emit, first  # noqa: E402
from slixmpp_modern import Modern, main, ping, two_online, until  # noqa: E402

METADATA = 'urn:xmpp:avatar:metadata'
BOOKMARKS = 'urn:xmpp:bookmarks:1'
EVENT = 'http://jabber.org/protocol/pubsub#event'
PUBSUB_ERRORS = 'http://jabber.org/protocol/pubsub#errors'
PLUGINS = ['xep_0084', 'xep_0048']


def png(width, height):
    """A small opaque PNG image, made here."""
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    rows = b''.join(b'\x00' + bytes([200, 60, 90]) * width for _ in range(height))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))


class PepClient(Modern):
    """Records avatar metadata notifications and the presence it gets from others."""

    def __init__(self, jid, password, ca):
        super().__init__(jid, password, ca, PLUGINS)
        self.notifications = []   # [{from, id, infos}]
        self.presences = []       # [{from, type}]
        self.approved = []        # bare JIDs that approved a subscription
        self.add_event_handler('avatar_metadata_publish', self._metadata)
        self.add_event_handler('presence_available', self._presence)
        self.add_event_handler('roster_subscription_authorized', self._approved)

    def _metadata(self, msg):
        item = msg.xml.find(f'{{{EVENT}}}event/{{{EVENT}}}items/{{{EVENT}}}item')
        infos = [] if item is None else [dict(i.attrib) for i in item.iter(f'{{{METADATA}}}info')]
        self.notifications.append({'from': str(msg['from']), 'id': None if item is None else item.get('id'),
                                   'infos': infos, 'delayed': msg.xml.find('{urn:xmpp:delay}delay') is not None})
        self.changed.set()

    def _presence(self, pres):
        self.presences.append({'from': str(pres['from']), 'type': pres['type']})
        self.changed.set()

    def _approved(self, pres):
        self.approved.append(pres['from'].bare)
        self.changed.set()


def publish_options(**fields):
    form = Form()
    form['type'] = 'submit'
    form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/pubsub#publish-options')
    for var, value in fields.items():
        form.add_field(var=f'pubsub#{var}', value=value)
    return form


def conferences(storage):
    return [{'jid': str(c['jid']), 'name': c['name'], 'autojoin': c['autojoin'], 'nick': c['nick']}
            for c in storage['conferences']]


def native(items):
    out = []
    for item in items:
        conf = item.xml.find(f'{{{BOOKMARKS}}}conference')
        nick = None if conf is None else conf.findtext(f'{{{BOOKMARKS}}}nick')
        out.append({'id': item['id'], 'name': None if conf is None else conf.get('name'),
                    'autojoin': None if conf is None else conf.get('autojoin'), 'nick': nick})
    return out


async def avatars(owner, contact, args):
    owner_bare = JID(owner.boundjid.bare)
    contact.send_presence(pto=owner_bare, ptype='subscribe')
    await until(contact, lambda: owner_bare.bare in contact.approved, args.timeout, 'contact: subscription approved')
    await until(contact, lambda: any(p['from'] == str(owner.boundjid) for p in contact.presences), args.timeout,
                'contact: owner presence')
    emit('subscribed', who=str(contact.boundjid), to=owner_bare.bare)

    data = png(4, 3)
    avatar_id = hashlib.sha1(data).hexdigest()
    await first(owner, owner['xep_0084'].publish_avatar(data, timeout=args.timeout), args.timeout, 'publish data')
    # slixmpp 1.8.3 writes width and height as given: they must be strings.
    meta = {'id': avatar_id, 'type': 'image/png', 'bytes': len(data), 'width': '4', 'height': '3'}
    await first(owner, owner['xep_0084'].publish_avatar_metadata(meta, timeout=args.timeout), args.timeout,
                'publish metadata')
    emit('published', who=str(owner.boundjid), id=avatar_id, bytes=len(data))

    await until(contact, lambda: contact.notifications, args.timeout, 'contact: metadata notification')
    await ping(contact, args)
    emit('notifications', who=str(contact.boundjid), notifications=contact.notifications)
    got = await first(contact, contact['xep_0084'].retrieve_avatar(owner_bare, avatar_id, timeout=args.timeout),
                      args.timeout, 'contact: fetch avatar data')
    item = got['pubsub']['items']['item']
    fetched = item['avatar_data']['value']
    emit('fetched', who=str(contact.boundjid), id=item['id'], sha1=hashlib.sha1(fetched).hexdigest(),
         same=fetched == data)


async def bookmarks(owner, contact, args):
    xep_0060 = owner['xep_0060']
    nick = owner.boundjid.user
    conf = ET.Element(f'{{{BOOKMARKS}}}conference', {'name': 'The Coven', 'autojoin': 'true'})
    ET.SubElement(conf, f'{{{BOOKMARKS}}}nick').text = nick
    options = publish_options(persist_items='true', max_items='max', send_last_published_item='never',
                              access_model='whitelist')
    await first(owner, xep_0060.publish(None, BOOKMARKS, id='coven@muc.localhost', payload=conf, options=options,
                                        timeout=args.timeout), args.timeout, 'publish bookmark')

    got = await first(owner, owner['xep_0048'].get_bookmarks(method='xep_0049', timeout=args.timeout),
                      args.timeout, 'get private bookmarks')
    emit('private-bookmarks', who=str(owner.boundjid), conferences=conferences(got['private']['bookmarks']))

    storage = Bookmarks()
    storage.add_conference('coven@muc.localhost', nick, name='The Coven', autojoin=True)
    storage.add_conference('library@muc.localhost', nick, name='Library', autojoin=False)
    await first(owner, owner['xep_0048'].set_bookmarks(storage, method='xep_0049', timeout=args.timeout),
                args.timeout, 'set private bookmarks')
    items = await first(owner, xep_0060.get_items(None, BOOKMARKS, timeout=args.timeout), args.timeout,
                        'get bookmarks node')
    emit('native-bookmarks', who=str(owner.boundjid), items=native(items['pubsub']['items']))

    try:
        await first(contact, contact['xep_0060'].get_items(JID(owner.boundjid.bare), BOOKMARKS, timeout=args.timeout),
                    args.timeout, 'contact: get bookmarks node')
        emit('contact-bookmarks', who=str(contact.boundjid), error=None)
    except IqError as err:
        specific = err.iq.xml.find(f'{{jabber:client}}error/{{{PUBSUB_ERRORS}}}*')
        emit('contact-bookmarks', who=str(contact.boundjid), error=err.iq['error']['condition'],
             type=err.iq['error']['type'], pubsub=None if specific is None else specific.tag.split('}')[1])


async def scenario(args):
    async with two_online(args, PepClient) as (owner, contact):
        await avatars(owner, contact, args)
        await bookmarks(owner, contact, args)


if __name__ == '__main__':
    main(__doc__, scenario, bound=6)
