"""Shared pieces of the slixmpp drivers for the modern-client features (slixmpp_sm.py,
slixmpp_carbons.py, slixmpp_mam.py, slixmpp_pep.py): a client with a chosen set of plugins
that records what it receives, bounded waits (`until` is slixmpp_im.py's), the two accounts
logged in, and the command line they all take.

Connection conventions are those of slixmpp_client.py (whose Client class this extends):
STARTTLS verified against --ca for the name 'localhost' (127.0.0.1 only), and channel binding
off, because slixmpp 1.8.3 binds with tls-unique, which is undefined on TLS 1.3.
"""
import argparse
import asyncio
import logging
import sys
from contextlib import asynccontextmanager

sys.dont_write_bytecode = True  # importing slixmpp_client must leave no __pycache__ behind

from slixmpp import JID  # noqa: E402
from slixmpp_client import Client, close, connect, emit, first, run_scenario  # noqa: E402
from slixmpp_im import until  # noqa: E402 (waits on `changed`, which Modern sets)


class Modern(Client):
    """A slixmpp client with the given plugins; `changed` is set on every stanza recorded."""

    def __init__(self, jid, password, ca, plugins=()):
        super().__init__(jid, password, ca, 'off')
        for plugin in plugins:
            self.register_plugin(plugin)
        self.bodies = []             # every chat or normal body received, in order
        self.changed = asyncio.Event()

    def _message(self, msg):
        if msg['type'] in ('chat', 'normal') and msg['body']:
            self.bodies.append(msg['body'])
        self.changed.set()
        super()._message(msg)


async def login(args, jid, password, cls=Modern):
    """Connects and waits for the session; returns the client."""
    client = cls(jid, password, args.ca)
    started = client.wait_until('session_start', timeout=args.timeout)
    connect(client, args)
    await first(client, started, args.timeout, f'{jid} login')
    emit('online', jid=str(client.boundjid))
    return client


async def ping(client, args):
    """A round trip to the server: whatever it sent this client before is here by now."""
    await first(client, client['xep_0199'].send_ping(JID(client.boundjid.domain), timeout=args.timeout),
                args.timeout, f'{client.boundjid}: ping')


async def wait_body(client, body, args):
    """Waits, bounded, until a message with this body has arrived."""
    await until(client, lambda: body in client.bodies, args.timeout, f'{client.boundjid}: message {body!r}')


@asynccontextmanager
async def two_online(args, cls):
    """--jid and --peer-jid logged in as `cls`, available, each synced by a ping; closed after."""
    clients = []
    try:
        for jid, password in ((args.jid, args.password), (args.peer_jid, args.peer_password)):
            clients.append(await login(args, jid, password, cls))
        for c in clients:
            c.send_presence()
            await ping(c, args)
        yield clients
    finally:
        await close(*clients)


def main(doc, scenario, bound):
    """Parses the common command line and runs `scenario(args)` within bound * --timeout."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', required=True, help='PEM file to trust (the server certificate)')
    for option in ('--jid', '--password', '--peer-jid', '--peer-password'):
        parser.add_argument(option, required=True)
    parser.add_argument('--third-jid', help='a third account, never logged in')
    parser.add_argument('--timeout', type=float, default=10)
    parser.add_argument('--debug', action='store_true', help='slixmpp debug log on stderr (shows SASL payloads)')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL, stream=sys.stderr)
    run_scenario(scenario, args, bound=args.timeout * bound)
