#!/usr/bin/env node
// Interop driver for @xmpp/client (xmpp.js 0.14), run in its own Node process by
// test/integration/interop-xmpp-client.test.ts. It is a separate process because @xmpp/client
// verifies the server certificate against the system CAs only; the test trusts Starling's
// self-signed certificate through NODE_EXTRA_CA_CERTS, so verification really happens.
//
// Usage:
//   node xmpp-client.mjs --scenario <login|receive|send> --service <uri> --domain <domain>
//                        --username <local> --password <pw> [--to <jid>] [--body <text>]
//                        [--timeout <ms>]
// Every option may also come from the environment (XMPP_SCENARIO, XMPP_SERVICE, ...).
//
// Output: one JSON object per line on stdout ({"event": ...}). Exit 0 on success, 1 on failure
// (after printing {"event":"error", ...}), 2 on bad usage.
//
// Scenarios:
//   login    go online, print the bound JID and the SASL mechanism used, ping the server
//            (XEP-0199 through iqCaller), print the result, go offline.
//   receive  go online, send initial presence, print {"event":"ready"}, wait for one chat
//            message and print its from/to/body, go offline.
//   send     go online, send one chat message to --to, go offline.
import { parseArgs } from 'node:util';
import { client, xml } from '@xmpp/client';
import { startOnline } from './xmpp-start.mjs';

const env = (name) => process.env[`XMPP_${name.toUpperCase()}`];
let values;
try {
  ({ values } = parseArgs({
    options: {
      scenario: { type: 'string', default: env('scenario') },
      service: { type: 'string', default: env('service') },
      domain: { type: 'string', default: env('domain') },
      username: { type: 'string', default: env('username') },
      password: { type: 'string', default: env('password') },
      to: { type: 'string', default: env('to') },
      body: { type: 'string', default: env('body') ?? 'hello from xmpp.js' },
      timeout: { type: 'string', default: env('timeout') ?? '10000' },
    },
  }));
} catch (err) {
  console.error(String(err));
  process.exit(2);
}

const { scenario, service, domain, username, password, to, body } = values;
const timeoutMs = Number(values.timeout);
if (!['login', 'receive', 'send'].includes(scenario) || !service || !domain || !username || password === undefined || (scenario === 'send' && !to)) {
  console.error('usage: xmpp-client.mjs --scenario login|receive|send --service URI --domain D --username U --password P [--to JID]');
  process.exit(2);
}

const print = (event, data = {}) => process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);

let xmpp;
let online = false;
let finishing = false;

async function finish(code) {
  finishing = true;
  // Close the stream politely, but never wait for it longer than a second.
  if (xmpp && xmpp.status !== 'offline') {
    xmpp.reconnect.stop();
    await Promise.race([xmpp.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
  process.exit(code);
}

let failed = false;
function fail(err) {
  if (failed) return;
  failed = true;
  print('error', {
    name: err?.name,
    condition: err?.condition,
    code: err?.code,
    message: String(err?.message ?? err),
  });
  void finish(1);
}

// One deadline for the whole scenario: a hung connection must not hang the test run. It also
// keeps the process alive, so a connection that ends early is reported as a failure instead of
// a silent exit 0 with nothing left to do.
setTimeout(() => fail(new Error(`scenario ${scenario} did not finish within ${timeoutMs} ms`)), timeoutMs);

xmpp = client({ service, domain, username, password, resource: `interop-${scenario}` });
// A failed start must end the process, not be retried.
xmpp.reconnect.stop();

let mechanism;
xmpp.on('send', (el) => {
  if (el.is?.('auth', 'urn:ietf:params:xml:ns:xmpp-sasl')) mechanism = el.attrs.mechanism;
  if (el.is?.('authenticate', 'urn:xmpp:sasl:2')) mechanism = el.attrs.mechanism;
});
xmpp.on('error', (err) => print('client-error', { message: String(err?.message ?? err), code: err?.code }));
xmpp.on('status', (status) => {
  print('status', { status });
  // Once online, losing the connection before the scenario is over is a failure.
  if (status === 'disconnect' && online && !finishing) fail(new Error('the connection closed before the scenario finished'));
});

async function receiveOne() {
  return new Promise((resolve) => {
    xmpp.on('stanza', (stanza) => {
      if (stanza.is('message') && stanza.getChild('body')) {
        resolve({ from: stanza.attrs.from, to: stanza.attrs.to, type: stanza.attrs.type, id: stanza.attrs.id, body: stanza.getChildText('body') });
      }
    });
  });
}

// A start() that times out after the client went online (see xmpp-start.mjs) is only reported.
const lateError = (err) => print('late-start-error', { name: err?.name, message: String(err?.message ?? err) });

async function main() {
  const jid = await startOnline(xmpp, lateError);
  online = true;
  const socket = xmpp.socket?.socket;
  print('online', {
    jid: jid.toString(),
    mechanism,
    tls: socket?.encrypted === true,
    tlsProtocol: socket?.getProtocol?.(),
    authorized: socket?.authorized,
  });

  if (scenario === 'login') {
    const res = await xmpp.iqCaller.request(xml('iq', { type: 'get', to: domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })), timeoutMs);
    print('ping', { type: res.attrs.type, from: res.attrs.from });
  } else if (scenario === 'receive') {
    const received = receiveOne();
    await xmpp.send(xml('presence'));
    print('ready');
    print('message', await received);
  } else {
    await xmpp.send(xml('message', { to, type: 'chat', id: `xmppjs-${Date.now()}` }, xml('body', {}, body)));
    print('sent', { to, body });
  }
  await finish(0);
}

main().catch(fail);
