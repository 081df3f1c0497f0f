#!/usr/bin/env node
// Stream management interop driver for @xmpp/client (xmpp.js 0.14), run in its own Node process
// by test/integration/interop-xmpp-client-modern.test.ts, with the server's certificate trusted
// through NODE_EXTRA_CA_CERTS (see xmpp-client.mjs). Two clients in this process, both with the
// library's stream management, which enables itself with resumption after binding:
//
//   1. alice goes online and gets <enabled/> (XEP-0198 §3); bob goes online;
//   2. bob writes to alice; alice writes to bob, and the server acknowledges it (§4);
//   3. alice's TLS socket is destroyed: no </stream:stream>, no TLS close;
//   4. bob writes three messages to alice (two to her full JID, one to her bare JID) and pings
//      the server, so it has handled them;
//   5. alice connects again and the library resumes (§5);
//   6. bob writes once more; once alice has it and a ping round trip is done, she reports every
//      message body she got, in order: each must be there exactly once.
//
// Usage: node xmpp-client-sm.mjs --service <uri> --domain <d> --username <u> --password <pw>
//          --peer-username <u> --peer-password <pw> [--timeout <ms>]
// Output: one JSON object per line on stdout; exit 0 on success, 1 on failure (after
// {"event":"error"}), 2 on bad usage. The whole run is bounded by --timeout, and each wait too.
import { parseArgs } from 'node:util';
import { client, xml } from '@xmpp/client';
import { startOnline } from './xmpp-start.mjs';

const SM = 'urn:xmpp:sm:3';
const SASL2 = 'urn:xmpp:sasl:2';
const BIND2 = 'urn:xmpp:bind:0';
let values;
try {
  ({ values } = parseArgs({
    options: {
      service: { type: 'string' },
      domain: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'peer-username': { type: 'string' },
      'peer-password': { type: 'string' },
      timeout: { type: 'string', default: '20000' },
    },
  }));
} catch (err) {
  console.error(String(err));
  process.exit(2);
}
const { service, domain, username, password } = values;
const peer = { username: values['peer-username'], password: values['peer-password'] };
const timeoutMs = Number(values.timeout);
if (!service || !domain || !username || password === undefined || !peer.username || peer.password === undefined) {
  console.error('usage: xmpp-client-sm.mjs --service URI --domain D --username U --password P --peer-username U --peer-password P');
  process.exit(2);
}

const print = (event, data = {}) => process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
const clients = [];

async function finish(code) {
  for (const c of clients) {
    c.reconnect.stop();
    if (c.status !== 'offline') await Promise.race([c.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
  process.exit(code);
}
function fail(err) {
  print('error', { message: String(err?.message ?? err), condition: err?.condition });
  void finish(1);
}
setTimeout(() => fail(new Error(`did not finish within ${timeoutMs} ms`)), timeoutMs);

/** A client that records message bodies and stream management nonzas as they come. */
function make(user, pw, resource) {
  const c = client({ service, domain, username: user, password: pw, resource });
  c.reconnect.stop();
  c.bodies = [];
  c.nonzas = [];
  c.waiters = new Set();
  const changed = () => c.waiters.forEach((w) => w());
  c.on('error', (err) => print('client-error', { who: user, message: String(err?.message ?? err) }));
  c.on('stanza', (el) => {
    if (el.is('message') && el.getChild('body')) c.bodies.push(el.getChildText('body'));
    changed();
  });
  const isSmAnswer = (el) => el.attrs.xmlns === SM && ['enabled', 'resumed', 'failed'].includes(el.name);
  c.on('nonza', (el) => {
    if (isSmAnswer(el)) c.nonzas.push({ name: el.name, ...el.attrs });
    // @xmpp/client logs in with SASL2 when offered (XEP-0388): then the answer comes inside
    // <success/>, in <bound/> (Bind 2 inline <enable/>, XEP-0386) or directly (inline <resume/>).
    if (el.name === 'success' && el.attrs.xmlns === SASL2) {
      for (const child of [...el.getChildElements(), ...(el.getChild('bound', BIND2)?.getChildElements() ?? [])]) {
        if (isSmAnswer(child)) c.nonzas.push({ name: child.name, ...child.attrs });
      }
    }
    changed();
  });
  c.on('status', changed);
  clients.push(c);
  return c;
}

/** Waits, bounded, until predicate() holds, re-checking on every stanza, nonza and status. */
function until(c, predicate, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const v = predicate();
      if (!v) return;
      done();
      resolve(v);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${what} within ${timeoutMs / 4} ms`));
    }, timeoutMs / 4);
    const done = () => {
      clearTimeout(timer);
      c.waiters.delete(check);
    };
    c.waiters.add(check);
    check();
  });
}

const smNonza = (c, n) => until(c, () => c.nonzas[n], `stream management answer #${n + 1}`);
const ping = (c) => c.iqCaller.request(xml('iq', { type: 'get', to: domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })), timeoutMs / 4);
const chat = (c, to, body) => c.send(xml('message', { to, type: 'chat', id: `${body.replace(/\W/g, '')}-${Date.now()}` }, xml('body', {}, body)));

async function main() {
  const alice = make(username, password, 'sm');
  const acked = [];
  alice.streamManagement.on('ack', (stanza) => acked.push(stanza.getChildText('body') ?? stanza.name));
  const jid = (await startOnline(alice)).toString();
  const enabled = await smNonza(alice, 0);
  print('sm', { who: jid, ...enabled });
  await alice.send(xml('presence'));

  const bob = make(peer.username, peer.password, 'peer');
  const bobJid = (await startOnline(bob)).toString();
  await bob.send(xml('presence'));
  print('online', { jid: bobJid });

  await chat(bob, jid, 'before the drop');
  await until(alice, () => alice.bodies.includes('before the drop'), 'first message');
  await chat(alice, `${peer.username}@${domain}`, 'hello bob');
  await until(bob, () => bob.bodies.includes('hello bob'), 'message to bob');
  await until(alice, () => acked.includes('hello bob'), 'acknowledgement of the message to bob');
  print('acked', { who: jid, acked: [...acked] });

  // The TLS socket goes, with no stream close.
  const inbound = alice.streamManagement.inbound;
  alice.socket.socket.destroy();
  await until(alice, () => alice.status === 'disconnect', 'disconnect');
  print('dropped', { who: jid, inbound });

  await chat(bob, jid, 'away 1');
  await chat(bob, `${username}@${domain}`, 'away 2');
  await chat(bob, jid, 'away 3');
  await ping(bob);
  print('sent-away', { who: bobJid });

  await alice.reconnect.reconnect();
  const answer = await smNonza(alice, 1);
  print('sm', { who: alice.jid?.toString(), ...answer });
  if (answer.name !== 'resumed') throw new Error(`not resumed: ${JSON.stringify(answer)}`);

  await chat(bob, jid, 'after the resumption');
  await until(alice, () => alice.bodies.includes('after the resumption'), 'message after resumption');
  await ping(alice);
  print('bodies', { who: jid, bodies: [...alice.bodies], inbound: alice.streamManagement.inbound });
  await finish(0);
}

main().catch(fail);
