#!/usr/bin/python3
"""Interop driver for nbxmpp (Debian python3-nbxmpp 4.2), the XMPP library of Gajim, run by
test/integration/interop-nbxmpp.test.ts with the Debian Python (/usr/bin/python3).

Scenario chat: two nbxmpp clients, --jid and --peer-jid, connect over STARTTLS to
127.0.0.1:--port the way Gajim does (nbxmpp's Client on a GLib main loop, stream management
negotiated by nbxmpp itself). The server's certificate is accepted only because it is the one in
--ca: nbxmpp then waives "unknown CA" and nothing else, so the name 'localhost' is checked by
GLib. Then:

  1. each client reports how it logged in (JID, SASL mechanism, TLS version, stream management);
  2. the first one asks for the disco#info of its own account and of the server, as Gajim does
     before it uses the archive, and reports both feature lists;
  3. it writes to the peer's bare JID, the peer answers its full JID, each reports what it got;
  4. it queries its archive with nbxmpp's MAM module as Gajim does at sign-in (a queryid, the
     last seven days) and reports the results, in order, and whether the answer was complete.

Scenario wrong-password: --jid logs in with --password, which is wrong: the connection must
fail with the SASL condition.

One JSON object per line on stdout ({"event": ...}); exit 0 on success, 1 on failure (after
{"event": "error"}); every wait is bounded by --timeout seconds.
"""
import argparse
import json
from datetime import datetime, timedelta, timezone
import logging
import sys
import traceback

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

from nbxmpp.client import Client  # noqa: E402
from nbxmpp.const import ConnectionProtocol, ConnectionType  # noqa: E402
from nbxmpp.protocol import JID, Message, Presence  # noqa: E402
from nbxmpp.structs import StanzaHandler  # noqa: E402

loop = GLib.MainLoop()
status = {'code': 1}


def emit(event, **data):
    print(json.dumps({'event': event, **data}), flush=True)


def fail(why):
    emit('error', why=str(why))
    status['code'] = 1
    loop.quit()


def make_client(args, jid, password, resource):
    node, domain = jid.split('@', 1)
    client = Client(log_context=node)
    client.set_domain(domain)
    client.set_username(node)
    client.set_password(password)
    client.set_resource(resource)
    client.set_custom_host(f'127.0.0.1:{args.port}', ConnectionProtocol.TCP, ConnectionType.START_TLS)
    client.set_accepted_certificates([Gio.TlsCertificate.new_from_file(args.ca)])
    return client


def login_report(client):
    # nbxmpp 4.2 (Debian 12) has no public accessor for the chosen SASL mechanism or the stream
    # management state: its private attributes are read, for the version tested.
    mechanism = client._sasl._mechanism
    return {
        'jid': str(client.get_bound_jid()),
        'mechanism': getattr(mechanism, 'name', None),
        'tls': getattr(client.tls_version, 'value_nick', str(client.tls_version)),
        'secure': client.is_stream_secure,
        'sm': client._smacks.enabled,
        'resumable': client.resumeable,
    }


class Chat:
    def __init__(self, args):
        self.args = args
        self.me = make_client(args, args.jid, args.password, 'gajim.one')
        self.peer = make_client(args, args.peer_jid, args.peer_password, 'gajim.two')
        self.online = 0
        self.archive = []
        for client in (self.me, self.peer):
            client.subscribe('connected', self._logged_in)
            client.subscribe('connection-failed', lambda c, s, *a: fail(f'{c.username}: connection failed: {c.get_error()}'))
            client.register_handler(StanzaHandler(name='message', callback=self._message, priority=50))

    def start(self):
        self.me.connect()
        self.peer.connect()

    def _logged_in(self, client, _signal):
        # nbxmpp enables stream management after the login; wait for it before reporting.
        GLib.timeout_add(300, self._report_online, client)

    def _report_online(self, client):
        client.send_stanza(Presence())
        emit('online', who=client.username, **login_report(client))
        self.online += 1
        if self.online == 2:
            self.me.get_module('Discovery').disco_info(JID.from_string(self.args.jid), callback=self._account_info)
        return False

    def _account_info(self, task):
        info = task.finish()
        emit('disco', target=self.args.jid, features=list(info.features), has_mam_2=info.has_mam_2)
        self.me.get_module('Discovery').disco_info(JID.from_string('localhost'), callback=self._server_info)

    def _server_info(self, task):
        info = task.finish()
        emit('disco', target='localhost', features=list(info.features), has_mam_2=info.has_mam_2)
        self.me.send_stanza(Message(to=self.args.peer_jid, body='hello from nbxmpp', typ='chat'))

    def _message(self, client, stanza, properties):
        if properties.is_mam_message:
            if properties.mam.query_id == 'gajim-q1':
                self.archive.append({'body': properties.body, 'from': str(properties.from_), 'archive': str(properties.mam.archive)})
            return
        if not properties.body:
            return
        emit('received', who=str(client.get_bound_jid()), **{'from': str(properties.from_)}, to=str(properties.to), type=str(properties.type.value), body=properties.body)
        if client is self.peer:
            client.send_stanza(Message(to=properties.from_, body='reply from nbxmpp', typ='chat'))
        else:
            # As Gajim catches up at sign-in: the last week of the account's archive.
            start = datetime.now(timezone.utc) - timedelta(days=7)
            self.me.get_module('MAM').make_query(JID.from_string(self.args.jid), queryid='gajim-q1', start=start, callback=self._archive_done)

    def _archive_done(self, task):
        result = task.finish()
        emit('archive', complete=result.complete, results=self.archive)
        status['code'] = 0
        for client in (self.me, self.peer):
            client.disconnect()
        GLib.timeout_add(300, loop.quit)


class WrongPassword:
    def __init__(self, args):
        self.client = make_client(args, args.jid, args.password, 'gajim.bad')
        self.client.subscribe('connected', lambda c, s: fail('logged in with a wrong password'))
        self.client.subscribe('disconnected', self._done)
        self.client.subscribe('connection-failed', self._done)

    def start(self):
        self.client.connect()

    def _done(self, client, _signal, *_args):
        domain, condition, text = client.get_error()
        emit('refused', domain=str(domain), condition=str(condition), text=text)
        status['code'] = 0
        loop.quit()


def callback_failed(kind, value, tb):
    """GLib callbacks raise into PyGObject, which reports here: fail now rather than time out."""
    traceback.print_exception(kind, value, tb)
    fail(repr(value))


def main():
    sys.excepthook = callback_failed
    parser = argparse.ArgumentParser()
    parser.add_argument('--scenario', choices=['chat', 'wrong-password'], default='chat')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--peer-jid')
    parser.add_argument('--peer-password')
    parser.add_argument('--timeout', type=float, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)

    def on_timeout():
        fail(f'timed out after {args.timeout} s')
        return False

    GLib.timeout_add(int(args.timeout * 1000), on_timeout)
    scenario = Chat(args) if args.scenario == 'chat' else WrongPassword(args)
    try:
        scenario.start()
        loop.run()
    except Exception as err:  # report, do not hang
        emit('error', why=repr(err))
        return 1
    return status['code']


if __name__ == '__main__':
    sys.exit(main())
