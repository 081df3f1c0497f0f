#!/usr/bin/python3
"""Message archive interop driver for slixmpp (Debian python3-slixmpp 1.8.x), run by
test/integration/interop-slixmpp-modern.test.ts with the Debian Python (/usr/bin/python3).

--jid and --peer-jid log in and have a conversation of five chat messages, and --jid also
writes one message to --third-jid (an account that is never online). The live messages --jid
receives carry the archive's stanza-id (XEP-0313 §3.5, XEP-0359), which it records. Then --jid queries its
own archive with slixmpp's XEP-0313 plugin, paging with XEP-0059 through its iterator:

  all        every message, two a page, oldest first (XEP-0313 §4.3.2);
  with       only the conversation with --peer-jid's bare JID, two a page (§4.1.1);
  backwards  the same conversation from the newest page back (§4.3.2, an empty <before/>).

Each page is reported with its messages (archive id, stamp, from, to, body) and its RSM
<set/> (first, its index, last, count) and the <fin/>'s complete flag. One JSON object per line
on stdout; exit 0 on success, 1 on failure; every wait bounded by --timeout seconds.
"""
import sys

sys.dont_write_bytecode = True  # importing the helpers must leave no __pycache__ behind

from slixmpp import JID  # noqa: E402
from slixmpp_client import emit, first  # noqa: E402
from slixmpp_modern import Modern, main, ping, two_online, wait_body  # noqa: E402

SID = '{urn:xmpp:sid:0}stanza-id'
MAX_PAGES = 10


class ArchiveClient(Modern):
    """Records the archive ids (stanza-id by its own account) of the messages it receives."""

    def __init__(self, jid, password, ca):
        super().__init__(jid, password, ca, ['xep_0313'])
        self.stanza_ids = {}   # body -> stanza-id

    def _message(self, msg):
        sid = msg.xml.find(SID)
        if msg['body'] and sid is not None and sid.get('by') == self.boundjid.bare:
            self.stanza_ids[msg['body']] = sid.get('id')
        super()._message(msg)


def describe(result):
    forwarded = result['mam_result']['forwarded']
    inner = forwarded['stanza']
    return {'id': result['mam_result']['id'], 'stamp': forwarded['delay'].xml.get('stamp'),
            'from': str(inner['from']), 'to': str(inner['to']), 'body': inner['body']}


async def query(client, args, label, **kwargs):
    """Pages through one query, at most MAX_PAGES pages; reports each page."""
    pages = client['xep_0313'].retrieve(iterator=True, rsm={'max': 2}, **kwargs)
    for n in range(MAX_PAGES):
        try:
            page = await first(client, pages.next(), args.timeout, f'{label}: page {n + 1}')
        except StopAsyncIteration:
            break
        rsm = page['mam_fin']['rsm']
        emit('page', query=label, n=n + 1, messages=[describe(r) for r in page['mam']['results']],
             first=rsm['first'] or None, index=rsm['first_index'] or None, last=rsm['last'] or None,
             count=rsm['count'] or None, complete=page['mam_fin'].xml.get('complete'))


async def scenario(args):
    async with two_online(args, ArchiveClient) as (a, b):
        a_bare, b_bare = JID(a.boundjid.bare), JID(b.boundjid.bare)

        # The conversation, each message answered before the next, so the order is fixed.
        lines = [(a, b, b_bare, 'one'), (b, a, a_bare, 'two'), (a, None, JID(args.third_jid), 'to the third'),
                 (a, b, b_bare, 'three'), (b, a, a_bare, 'four'), (a, b, b_bare, 'five')]
        for sender, receiver, to, body in lines:
            sender.send_message(mto=to, mbody=body, mtype='chat')
            if receiver is not None:
                await wait_body(receiver, body, args)
            else:
                await ping(sender, args)
        emit('live', who=str(a.boundjid), stanzaIds=a.stanza_ids)

        await query(a, args, 'all')
        await query(a, args, 'with', with_jid=b_bare)
        await query(a, args, 'backwards', with_jid=b_bare, reverse=True)


if __name__ == '__main__':
    main(__doc__, scenario, bound=6)
