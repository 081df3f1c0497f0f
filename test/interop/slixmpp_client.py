#!/usr/bin/python3
"""Interop driver for slixmpp (Debian python3-slixmpp 1.8.x), run by
test/integration/interop-slixmpp.test.ts with the Debian Python (/usr/bin/python3).

It connects to localhost:<port>, resolved to 127.0.0.1 only (IPv4, system resolver), with
STARTTLS, verifying the server certificate against the file given with --ca, and prints one
JSON object per line on stdout ({"event": ...}). slixmpp takes the TLS server name (SNI and
hostname check) from the host it connects to and skips the hostname check when that host is an
IP address, so the script connects to the name 'localhost', for which the certificate is made.
Exit 0 on success, 1 on failure (after printing {"event": "error", "message": ...}),
2 on bad usage.

Scenarios:
  chat       two accounts log in (--jid/--password and --peer-jid/--peer-password), send
             presence; the first pings the server (XEP-0199), reads the server's disco#info
             (XEP-0030) and checks urn:xmpp:ping is listed; the first sends a chat message to
             the second's bare JID, and the second answers to the sender's full JID.
  login      one login; prints every SASL attempt and its outcome and exits 0 whether or not
             it succeeded (the test judges the attempts).
  badauth    logs in with a wrong --password, expecting SASL to fail; exits 0 when it does.
  untrusted  connects without --ca (system CAs only) and expects certificate verification
             to fail before any SASL; exits 0 when it does.
  reset      logs in and waits (up to --timeout) for the server to end the stream, then logs
             in again with the same password, as a client reconnecting would; prints how the
             stream ended and how the second login went, and exits 0 (the test judges them).

--channel-binding:
  off      (default) offer only SCRAM-SHA-256 / SCRAM-SHA-1 and send the GS2 flag 'n'.
           slixmpp 1.8.3 computes its channel binding with tls-unique, which RFC 9266 says is
           undefined on TLS 1.3, and sends the flag 'y' on plain SCRAM whenever it has that
           value; a server offering -PLUS must refuse 'y' (RFC 5802 §6). 'off' makes slixmpp
           behave as a client without channel-binding support.
  library  slixmpp's own choice (as a default-configured application would log in).
Every wait is bounded by --timeout seconds.
"""
import argparse
import asyncio
import base64
import json
import logging
import re
import ssl
import sys
from pathlib import Path

from slixmpp import ClientXMPP, JID

PING_NS = 'urn:xmpp:ping'
AUTH_RE = re.compile(r"<auth\b[^>]*\bmechanism=['\"]([^'\"]+)['\"][^>]*>([^<]*)</auth>")


def emit(event, **data):
    print(json.dumps({'event': event, **data}), flush=True)


class Client(ClientXMPP):
    """A slixmpp client that records how its session was negotiated."""

    def __init__(self, jid, password, ca, channel_binding='off'):
        super().__init__(jid, password)
        if ca is not None:
            # slixmpp loads this file into its SSLContext (CERT_REQUIRED, check_hostname) and
            # verifies the certificate for the JID's domain.
            self.ca_certs = Path(ca)
        # Resolve 'localhost' through the system resolver (/etc/hosts), IPv4 only: 127.0.0.1.
        self.use_aiodns = False
        self.use_ipv6 = False
        self.register_plugin('xep_0030')
        self.register_plugin('xep_0199')
        if channel_binding == 'off':
            mechs = self['feature_mechanisms']
            mechs.use_mechs = {'SCRAM-SHA-256', 'SCRAM-SHA-1'}
            default_credentials = mechs.sasl_callback

            def credentials(required, optional):
                creds = default_credentials(required, optional)
                if 'channel_binding' in creds:
                    creds['channel_binding'] = None
                return creds
            mechs.sasl_callback = credentials
        self.attempts = []      # [{mechanism, gs2}] in order; gs2 is the SCRAM GS2 header
        self.failures = []      # [{mechanism, condition}] in order
        self.messages = asyncio.Queue()
        self.ended = asyncio.get_event_loop().create_future()
        self.add_event_handler('failed_auth', self._failed_auth)
        self.add_event_handler('failed_all_auth', lambda _e: self._end('no SASL mechanism left'))
        self.add_event_handler('ssl_invalid_chain', lambda e: self._end(f'invalid certificate: {e}'))
        self.add_event_handler('connection_failed', lambda e: self._end(f'connection failed: {e}'))
        self.add_event_handler('stream_error', lambda e: self._end(f"stream error: {e['condition']}"))
        self.add_event_handler('disconnected', lambda e: self._end(f'disconnected: {e}'))
        self.add_event_handler('message', self._message)

    def _end(self, why):
        if not self.ended.done():
            self.ended.set_result(why)

    def _failed_auth(self, stanza):
        mech = self['feature_mechanisms'].mech
        self.failures.append({'mechanism': mech.name if mech else None, 'condition': stanza['condition']})

    def _message(self, msg):
        if msg['type'] in ('chat', 'normal') and msg['body']:
            self.messages.put_nowait(msg)

    def send_raw(self, data):
        # Record each SASL <auth>: the mechanism and, for SCRAM, only the GS2 header
        # (channel-binding flag and authzid), never anything derived from the password.
        if isinstance(data, str) and data.startswith('<auth'):
            m = AUTH_RE.search(data)
            if m:
                attempt = {'mechanism': m.group(1)}
                if m.group(1).startswith('SCRAM-'):
                    first = base64.b64decode(m.group(2) or '').decode('utf-8', 'replace')
                    attempt['gs2'] = ','.join(first.split(',')[:2]) + ','
                self.attempts.append(attempt)
        return super().send_raw(data)

    def tls_info(self):
        obj = self.transport.get_extra_info('ssl_object') if self.transport else None
        if not isinstance(obj, (ssl.SSLObject, ssl.SSLSocket)):
            return {'tls': False}
        peer = self.transport.get_extra_info('peername')
        return {'tls': True, 'tlsVersion': obj.version(), 'serverHostname': obj.server_hostname,
                'peer': f'{peer[0]}:{peer[1]}' if peer else None}

    def summary(self):
        return {'attempts': self.attempts, 'failures': self.failures}


def connect(client, args):
    # slixmpp takes the port of a resolved name from default_port, not from the address.
    client.default_port = args.port
    client.connect(('localhost', args.port), use_ssl=False, force_starttls=True)


async def first(client, awaitable, timeout, what):
    """Waits for awaitable, failing early if the client's connection ends first."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task, client.ended}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        return task.result()
    task.cancel()
    if client.ended in done:
        raise RuntimeError(f'{what}: {client.ended.result()} ({client.summary()})')
    raise RuntimeError(f'{what}: no answer within {timeout} s')


async def login(args, jid, password):
    client = Client(jid, password, args.ca, args.channel_binding)
    started = client.wait_until('session_start', timeout=args.timeout)
    connect(client, args)
    await first(client, started, args.timeout, f'{jid} login')
    mech = client['feature_mechanisms'].mech
    emit('online', jid=str(client.boundjid), mechanism=mech.name if mech else None,
         **client.summary(), **client.tls_info())
    return client


def abort(client):
    # Not slixmpp's abort(): it closes and then aborts the transport, which raises when the
    # server has already closed the TLS layer.
    client.cancel_connection_attempt()
    transport = client.transport
    if transport is not None and not transport.is_closing():
        transport.abort()


async def close(*clients):
    for c in clients:
        c.disconnect(wait=1)
    await asyncio.wait([c.ended for c in clients], timeout=2)


async def next_message(client, timeout, what):
    msg = await first(client, client.messages.get(), timeout, what)
    return {'from': str(msg['from']), 'to': str(msg['to']), 'type': msg['type'], 'body': msg['body'], 'id': msg['id']}


async def chat(args):
    a = await login(args, args.jid, args.password)
    try:
        b = await login(args, args.peer_jid, args.peer_password)
    except Exception:
        await close(a)
        raise
    try:
        a.send_presence()
        b.send_presence()

        pong = await first(a, a['xep_0199'].send_ping(JID(a.boundjid.domain), timeout=args.timeout), args.timeout, 'ping')
        emit('ping', type=pong['type'], sender=str(pong['from']))

        info = await first(a, a['xep_0030'].get_info(jid=a.boundjid.domain, timeout=args.timeout), args.timeout, 'disco#info')
        features = sorted(info['disco_info']['features'])
        identities = [list(i[:2]) for i in info['disco_info']['identities']]
        emit('disco', features=features, identities=identities)
        if PING_NS not in features:
            raise RuntimeError(f'{PING_NS} missing from disco#info features {features}')

        # Presence has no answer; the ping and disco round trips above were handled after it,
        # in order, so both resources are available by now.
        a.send_message(mto=JID(b.boundjid.bare), mbody='hello from slixmpp', mtype='chat')
        got = await next_message(b, args.timeout, 'message to the peer')
        emit('received', who=str(b.boundjid), **got)
        b.send_message(mto=JID(got['from']), mbody='reply from slixmpp', mtype='chat')
        back = await next_message(a, args.timeout, 'reply to the sender')
        emit('received', who=str(a.boundjid), **back)
    finally:
        await close(a, b)


async def attempt(args, report):
    """One login that may fail: `report(client, online)` prints its outcome, then it is closed."""
    client = Client(args.jid, args.password, args.ca, args.channel_binding)
    started = asyncio.ensure_future(client.wait_until('session_start', timeout=args.timeout))
    connect(client, args)
    done, _ = await asyncio.wait({started, client.ended}, timeout=args.timeout, return_when=asyncio.FIRST_COMPLETED)
    online = started in done and started.exception() is None
    report(client, online)
    if not started.done():
        started.cancel()
    if online:
        await close(client)
    else:
        abort(client)


async def login_only(args):
    def report(client, online):
        mech = client['feature_mechanisms'].mech
        emit('login', online=online, jid=str(client.boundjid) if online else None,
             mechanism=mech.name if (online and mech) else None,
             ended=client.ended.result() if client.ended.done() else None,
             **client.summary(), **client.tls_info())
    await attempt(args, report)


async def badauth(args):
    client = Client(args.jid, args.password, args.ca, args.channel_binding)
    connect(client, args)
    # slixmpp tries every offered mechanism it may use, then fires failed_all_auth.
    why = await asyncio.wait_for(asyncio.shield(client.ended), args.timeout)
    emit('auth-failed', why=why, **client.summary())
    abort(client)
    if client.authenticated or not client.failures:
        raise RuntimeError('expected SASL to fail')


async def untrusted(args):
    client = Client(args.jid, args.password, None, args.channel_binding)
    connect(client, args)
    why = await asyncio.wait_for(asyncio.shield(client.ended), args.timeout)
    emit('tls-failed', why=why, **client.summary())
    abort(client)
    if client.attempts or client.authenticated or 'certificate' not in why:
        raise RuntimeError(f'expected certificate verification to fail before SASL, got: {why}')


async def reset(args):
    client = await login(args, args.jid, args.password)
    why = await asyncio.wait_for(asyncio.shield(client.ended), args.timeout)
    emit('ended', why=why)
    abort(client)
    await attempt(args, lambda again, online: emit('relogin', online=online, **again.summary()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--scenario', choices=['chat', 'login', 'badauth', 'untrusted', 'reset'], default='chat')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', help='PEM file to trust (the server certificate)')
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--peer-jid')
    parser.add_argument('--peer-password')
    parser.add_argument('--channel-binding', choices=['off', 'library'], default='off')
    parser.add_argument('--timeout', type=float, default=10)
    parser.add_argument('--debug', action='store_true', help='slixmpp debug log on stderr (shows SASL payloads)')
    args = parser.parse_args()
    if args.scenario != 'untrusted' and not args.ca:
        parser.error(f'{args.scenario} needs --ca')
    if args.scenario == 'chat' and not (args.peer_jid and args.peer_password):
        parser.error('chat needs --peer-jid and --peer-password')
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL, stream=sys.stderr)

    scenario = {'chat': chat, 'login': login_only, 'badauth': badauth, 'untrusted': untrusted, 'reset': reset}[args.scenario]
    run_scenario(scenario, args, bound=args.timeout * 4)


def run_scenario(scenario, args, bound):
    """Runs one scenario coroutine within `bound` seconds; prints done or error; exits 0 or 1."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        # An overall bound on top of the per-step ones.
        loop.run_until_complete(asyncio.wait_for(scenario(args), bound))
    except Exception as err:  # reported to the test as JSON
        emit('error', message=f'{type(err).__name__}: {err}')
        sys.exit(1)
    emit('done')
    sys.exit(0)


if __name__ == '__main__':
    main()
