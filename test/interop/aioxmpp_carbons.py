#!/usr/bin/python3
"""Interop driver for aioxmpp (Debian python3-aioxmpp 0.13), run by
test/integration/interop-aioxmpp-modern.test.ts with the Debian Python (/usr/bin/python3).

Scenario carbons (the default): three aioxmpp clients: --jid as resources 'one' and 'two', both enabling message carbons with
aioxmpp's CarbonsClient (XEP-0280 §4, after it checks the account's disco#info for the
feature, §3), and --peer-jid. aioxmpp negotiates stream management (XEP-0198) on its own on
every connection; each client reports what it got. Then:

  1. the peer writes to 'two' by full JID: 'one' gets a <received/> carbon (§7);
  2. 'two' writes to the peer: 'one' gets a <sent/> carbon (§8);
  3. 'one' reports, in order, the messages and carbons it got; the peer reports what it got.

Scenario untrusted: without --ca, the login must fail certificate verification.

The connection is STARTTLS to 127.0.0.1:--port (aioxmpp's override_peer), with the certificate
verified by aioxmpp's PKIX verifier for the domain, trusting --ca besides the system CAs. One
JSON object per line on stdout ({"event": ...}); exit 0 on success, 1 on failure (after
{"event": "error"}); every wait bounded by --timeout seconds.
"""
import argparse
import asyncio
import json
import logging
import sys
from contextlib import AsyncExitStack

import aioxmpp
import aioxmpp.carbons
import aioxmpp.connector
import aioxmpp.security_layer

CARBONS = 'urn:xmpp:carbons:2'


def emit(event, **data):
    print(json.dumps({'event': event, **data}), flush=True)


class Recorder:
    """Records the messages with a body that reach one client, carbons unwrapped."""

    def __init__(self, client):
        self.client = client
        self.log = []
        self.changed = asyncio.Event()
        client.stream.app_inbound_message_filter.register(self._inbound, 0)

    def _inbound(self, msg):
        for kind, wrapper in (('received', msg.xep0280_received), ('sent', msg.xep0280_sent)):
            if wrapper is not None:
                inner = wrapper.stanza
                self._add(kind, msg, {'from': str(inner.from_), 'to': str(inner.to), 'body': inner.body.any()})
                return msg
        if msg.body:
            self._add('message', msg, {'body': msg.body.any()})
        return msg

    def _add(self, kind, msg, extra):
        self.log.append({'kind': kind, 'from': str(msg.from_), 'to': str(msg.to), **extra})
        self.changed.set()

    async def until(self, predicate, timeout, what):
        async def loop():
            while not predicate():
                self.changed.clear()
                await self.changed.wait()
        try:
            await asyncio.wait_for(loop(), timeout)
        except asyncio.TimeoutError:
            raise RuntimeError(f'{self.client.local_jid}: no {what} within {timeout} s; got {self.log}') from None


def security_layer(args, password):
    def context():
        ctx = aioxmpp.security_layer.default_ssl_context()
        if args.ca:
            ctx.load_verify_locations(args.ca)
        return ctx
    return aioxmpp.security_layer.make(password, ssl_context_factory=context)


async def online(stack, args, jid, password):
    client = aioxmpp.PresenceManagedClient(
        aioxmpp.JID.fromstr(jid), security_layer(args, password),
        override_peer=[('127.0.0.1', args.port, aioxmpp.connector.STARTTLSConnector())],
        max_initial_attempts=1)
    client.presence = aioxmpp.PresenceState(True)
    stream = await asyncio.wait_for(stack.enter_async_context(client.connected(presence=client.presence)), args.timeout)
    recorder = Recorder(client)
    emit('online', jid=str(client.local_jid), sm={'enabled': stream.sm_enabled,
         'resumable': stream.sm_resumable if stream.sm_enabled else None,
         'id': bool(stream.sm_id) if stream.sm_enabled else None})
    return client, recorder


def chat(to, body):
    msg = aioxmpp.Message(type_=aioxmpp.MessageType.CHAT, to=to)
    msg.body[None] = body
    return msg


async def scenario(args):
    async with AsyncExitStack() as stack:
        own = aioxmpp.JID.fromstr(args.jid).bare()
        one, one_log = await online(stack, args, str(own.replace(resource='one')), args.password)
        two, _ = await online(stack, args, str(own.replace(resource='two')), args.password)
        peer, peer_log = await online(stack, args, args.peer_jid, args.peer_password)
        for c in (one, two):
            await asyncio.wait_for(c.summon(aioxmpp.carbons.CarbonsClient).enable(), args.timeout)
            emit('carbons-enabled', who=str(c.local_jid))

        await asyncio.wait_for(peer.send(chat(two.local_jid, 'to two')), args.timeout)
        await one_log.until(lambda: any(e['kind'] == 'received' for e in one_log.log), args.timeout, 'received carbon')
        await asyncio.wait_for(two.send(chat(peer.local_jid.bare(), 'from two')), args.timeout)
        await peer_log.until(lambda: peer_log.log, args.timeout, 'message from two')
        await one_log.until(lambda: any(e['kind'] == 'sent' for e in one_log.log), args.timeout, 'sent carbon')
        await asyncio.wait_for(aioxmpp.ping.ping(one, own.replace(localpart=None)), args.timeout)
        emit('log', who=str(one.local_jid), entries=one_log.log)
        emit('peer', who=str(peer.local_jid), entries=peer_log.log)


async def untrusted(args):
    """Without --ca the self-signed certificate must fail verification, and nothing logs in."""
    # aioxmpp 0.13 surfaces the failed handshake as an unrelated exception; its verifier logs
    # the verdict, which is what is reported.
    verdicts = ListHandler()
    verifier = logging.getLogger('aioxmpp.security_layer')
    verifier.setLevel(logging.DEBUG if args.debug else logging.INFO)
    verifier.addHandler(verdicts)
    async with AsyncExitStack() as stack:
        try:
            await online(stack, args, args.jid, args.password)
        except Exception as err:  # what aioxmpp raises is reported as is
            emit('tls-failed', error=f'{type(err).__name__}: {err}', verifier=verdicts.messages)
            return
    raise RuntimeError('logged in although the certificate is not trusted')


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--scenario', choices=['carbons', 'untrusted'], default='carbons')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', help='PEM file to trust (the server certificate)')
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--peer-jid', help='the contact (carbons)')
    parser.add_argument('--peer-password')
    parser.add_argument('--timeout', type=float, default=10, help='seconds each wait may take')
    parser.add_argument('--debug', action='store_true', help='aioxmpp debug log on stderr')
    args = parser.parse_args()
    if args.scenario == 'carbons' and not (args.ca and args.peer_jid and args.peer_password):
        parser.error('carbons needs --ca, --peer-jid and --peer-password')
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL, stream=sys.stderr)
    run = scenario if args.scenario == 'carbons' else untrusted
    try:
        asyncio.run(asyncio.wait_for(run(args), args.timeout * 4))
        code = 0
    except Exception as err:  # reported to the test as JSON
        emit('error', message=f'{type(err).__name__}: {err}')
        code = 1
    if code == 0:
        emit('done')
    sys.exit(code)


if __name__ == '__main__':
    main()
