#!/usr/bin/env node
// Interop driver for FAST (XEP-0484) with @xmpp/client 0.14 (xmpp.js), run in its own Node
// process by test/integration/fast-interop.test.ts (NODE_EXTRA_CA_CERTS trusts the server's
// self-signed certificate). It logs in with its password over SASL2, which makes xmpp.js ask
// for a FAST token; stops; logs in again, which xmpp.js does with the token; stops.
//
// Usage: node xmpp-client-fast.mjs --service <uri> --domain <domain> --username <local>
//                                  --password <pw> [--timeout <ms>]
// Output: one JSON object per line on stdout ({"event": ...}): "token" (the expiry only),
// "online" (per login: jid and the SASL2 mechanism used), "error". Exit 0 on success, 1 on failure.
import { parseArgs } from 'node:util';
import { client } from '@xmpp/client';
import { startOnline } from './xmpp-start.mjs';

const { values } = parseArgs({
  options: {
    service: { type: 'string' },
    domain: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    timeout: { type: 'string', default: '10000' },
  },
});
const print = (event, data = {}) => process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);

const xmpp = client({ service: values.service, domain: values.domain, username: values.username, password: values.password, resource: 'fast' });
xmpp.reconnect.stop();
let mechanism;
xmpp.on('send', (el) => {
  if (el.is?.('authenticate', 'urn:xmpp:sasl:2')) mechanism = el.attrs.mechanism;
});
xmpp.on('error', (err) => print('client-error', { message: String(err?.message ?? err) }));
// Keep the token where xmpp.js keeps it, and report that one came (never the secret itself).
const saveToken = xmpp.fast.saveToken.bind(xmpp.fast);
xmpp.fast.saveToken = async (token) => {
  print('token', { mechanism: token.mechanism, expiry: token.expiry });
  await saveToken(token);
};

const deadline = setTimeout(() => {
  print('error', { message: `not done within ${values.timeout} ms` });
  process.exit(1);
}, Number(values.timeout));

async function login() {
  const jid = await startOnline(xmpp);
  print('online', { jid: jid.toString(), mechanism });
  await xmpp.stop();
}

try {
  await login();
  await login();
  clearTimeout(deadline);
  process.exit(0);
} catch (err) {
  print('error', { message: String(err?.message ?? err), condition: err?.condition });
  process.exit(1);
}
