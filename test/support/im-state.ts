// The state the restart test (test/integration/im-restart.test.ts) builds through the protocol
// on a first server before stopping it: rosters with names, groups and subscriptions in every
// state, pending requests both ways, roster versions, a vCard, private XML, a blocklist and two
// offline messages; with the helpers that build it and read it back.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import type { Peer } from './peer.js';
import { isPresence } from './presence.js';
import { isPush, NS_ROSTER } from './roster-push.js';
import type { TestServer } from './server.js';

export const NS_VCARD = 'vcard-temp';
export const NS_PRIVATE = 'jabber:iq:private';
export const NS_BLOCKING = 'urn:xmpp:blocking';

export const ALICE = 'alice@localhost';
export const BOB = 'bob@localhost';
export const CAROL = 'carol@localhost';
export const DAVE = 'dave@localhost';
export const ERIN = 'erin@localhost';
export const MALLORY = 'mallory@localhost';
export const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'mallory'];
export const WAIT_MS = 5000;

let seq = 0;
const nextId = (prefix: string): string => `${prefix}${++seq}`;

export interface WireItem {
  jid: string;
  subscription: string;
  ask: string | null;
  name: string | null;
  groups: string[];
}

export function wireItem(i: Element): WireItem {
  return {
    jid: i.attrs.jid as string,
    subscription: i.attrs.subscription as string,
    ask: (i.attrs.ask as string | undefined) ?? null,
    name: (i.attrs.name as string | undefined) ?? null,
    groups: i.getChildren('group').map((g) => g.getText()).sort(),
  };
}

export const rosterGet = (ver?: string): Element => xml('iq', { type: 'get' }, xml('query', ver === undefined ? { xmlns: NS_ROSTER } : { xmlns: NS_ROSTER, ver }));
export const rosterSet = (jid: string, name: string, groups: string[]): Element =>
  xml('iq', { type: 'set' }, xml('query', { xmlns: NS_ROSTER }, xml('item', { jid, name }, ...groups.map((g) => xml('group', {}, g)))));
export const presence = (type: string, to: string): Element => xml('presence', { type, to, id: nextId('p') });
export const chat = (to: string, id: string, body: string): Element => xml('message', { to, id, type: 'chat' }, xml('body', {}, body));

export async function roster(p: Peer, ver?: string): Promise<{ ver: string | undefined; items: WireItem[]; result: Element }> {
  const result = await p.iq(rosterGet(ver));
  assert.equal(result.attrs.type, 'result', result.toString());
  const query = result.getChild('query', NS_ROSTER);
  const items = (query?.getChildren('item') ?? []).map(wireItem).sort((a, b) => (a.jid < b.jid ? -1 : 1));
  return { ver: query?.attrs.ver as string | undefined, items, result };
}

export async function expectResult(p: Peer, el: Element): Promise<Element> {
  const res = await p.iq(el);
  assert.equal(res.attrs.type, 'result', res.toString());
  return res;
}

/** What the first server's state looked like from the outside, just before it stopped. */
export interface Before {
  aliceRoster: { ver: string; items: WireItem[] };
  /** alice's roster as it was before erin was added, for the versioning test. */
  aliceEarlier: { ver: string; items: WireItem[] };
  bobRoster: WireItem[];
  carolRoster: WireItem[];
  daveRoster: WireItem[];
  /** alice's session that sent the offline messages. */
  aliceJid: string;
  /** Bounds of the offline messages' delay stamps. */
  sentAfter: number;
}

/** Logs a user in on `server`, with a roster get and initial presence. */
export type Login = (server: TestServer, user: string, resource: string) => Promise<Peer>;

/**
 * Builds the state on `s1` through the protocol and returns what it looked like from the
 * outside: alice and bob mutually subscribed, carol's and dave's requests to alice unanswered,
 * alice's request to erin pending, and two messages from alice stored for bob, who left.
 */
export async function buildState(s1: TestServer, login: Login): Promise<Before> {
  const alice = await login(s1, 'alice', 'home');
  const bob = await login(s1, 'bob', 'work');

  // alice and bob: items with names and groups, then a mutual subscription (§3.1).
  await expectResult(alice, rosterSet(BOB, 'Bob', ['Work', 'Friends']));
  await alice.take(isPush(BOB, 'none'));
  await expectResult(bob, rosterSet(ALICE, 'Alice', ['Family']));
  await bob.take(isPush(ALICE, 'none'));
  alice.send(presence('subscribe', BOB));
  await alice.take(isPush(BOB, 'none+subscribe'));
  await bob.take(isPresence(ALICE, 'subscribe'));
  bob.send(presence('subscribed', ALICE));
  await bob.take(isPush(ALICE, 'from'));
  await alice.take(isPresence(BOB, 'subscribed'));
  await alice.take(isPush(BOB, 'to'));
  bob.send(presence('subscribe', ALICE));
  await bob.take(isPush(ALICE, 'from+subscribe'));
  await alice.take(isPresence(BOB, 'subscribe'));
  alice.send(presence('subscribed', BOB));
  await alice.take(isPush(BOB, 'both'));
  await bob.take(isPush(ALICE, 'both'));
  await bob.take(isPresence(ALICE, 'subscribed'));

  // carol asks alice, who does not answer: pending inbound at alice (§3.1.3).
  const carol = await login(s1, 'carol', 'phone');
  carol.send(presence('subscribe', ALICE));
  await carol.take(isPush(ALICE, 'none+subscribe'));
  await alice.take(isPresence(CAROL, 'subscribe'));

  // dave names alice in his roster and asks: pending outbound (ask) at dave, inbound at alice.
  const dave = await login(s1, 'dave', 'desk');
  await expectResult(dave, rosterSet(ALICE, 'Alice from chess club', ['Chess']));
  await dave.take(isPush(ALICE, 'none'));
  dave.send(presence('subscribe', ALICE));
  await dave.take(isPush(ALICE, 'none+subscribe'));
  await alice.take(isPresence(DAVE, 'subscribe'));

  // alice asks erin (who never logs in): pending outbound at alice. Versions before and after.
  const earlier = await roster(alice);
  await expectResult(alice, rosterSet(ERIN, 'Erin', []));
  await alice.take(isPush(ERIN, 'none'));
  alice.send(presence('subscribe', ERIN));
  await alice.take(isPush(ERIN, 'none+subscribe'));

  // vCard (XEP-0054 §3.2), private XML (XEP-0049 §2), blocklist (XEP-0191 §3.3).
  await expectResult(alice, xml('iq', { type: 'set' }, xml('vCard', { xmlns: NS_VCARD }, xml('FN', {}, 'Alice Liddell'), xml('NICKNAME', {}, 'alice'))));
  await expectResult(alice, xml('iq', { type: 'set' }, xml('query', { xmlns: NS_PRIVATE }, xml('prefs', { xmlns: 'urn:example:prefs' }, xml('theme', {}, 'dark')))));
  await expectResult(alice, xml('iq', { type: 'set' }, xml('block', { xmlns: NS_BLOCKING }, xml('item', { jid: MALLORY }), xml('item', { jid: 'spam.example' }))));

  const bobRoster = (await roster(bob)).items;
  const carolRoster = (await roster(carol)).items;
  const daveRoster = (await roster(dave)).items;

  // bob leaves; alice, subscribed to him, sees him go (§4.5.2), then writes to him twice.
  const bobJid = bob.jid;
  await bob.client.close();
  await alice.take(isPresence(bobJid, 'unavailable'));
  const sentAfter = Date.now();
  alice.send(chat(BOB, 'off1', 'first, while you were away'));
  alice.send(chat(BOB, 'off2', 'second, while you were away'));
  const bounced = (await alice.settle()).filter((e) => e.name === 'message');
  assert.deepEqual(bounced.map((e) => e.toString()), [], 'nothing came back for the stored messages');
  // Storing is asynchronous: wait, bounded, until both are there.
  const deadline = Date.now() + WAIT_MS;
  while ((await s1.server.storage.offline.count('localhost', 'bob')) < 2) {
    if (Date.now() > deadline) throw new Error('the two offline messages were not stored');
    await new Promise((r) => setTimeout(r, 20));
  }

  const now = await roster(alice);
  return {
    aliceRoster: { ver: now.ver!, items: now.items },
    aliceEarlier: { ver: earlier.ver!, items: earlier.items },
    bobRoster,
    carolRoster,
    daveRoster,
    aliceJid: alice.jid,
    sentAfter,
  };
}
