// Helpers of the blocking command's tests (XEP-0191): the commands, their pushes and answers,
// the blocklist as a client reads it, and checks that nothing blocked arrives.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from './raw-client.js';
import type { TestServer } from './server.js';

export const B = 'urn:xmpp:blocking';
export const OTHER = 'blocked.test';
let ids = 0;
export const nextId = (p: string) => `${p}${++ids}`;

export const items = (jids: string[]) => jids.map((jid) => xml('item', { jid }));
export const blockIq = (...jids: string[]) => xml('iq', { type: 'set', id: nextId('b') }, xml('block', { xmlns: B }, ...items(jids)));
export const unblockIq = (...jids: string[]) => xml('iq', { type: 'set', id: nextId('u') }, xml('unblock', { xmlns: B }, ...items(jids)));
export const ping = (to: string) => xml('iq', { type: 'get', to, id: nextId('p') }, xml('ping', { xmlns: 'urn:xmpp:ping' }));
export const chat = (to: string, id: string, body = 'hi') => xml('message', { to, type: 'chat', id }, xml('body', {}, body));

export const isPush = (name: 'block' | 'unblock') => (e: Element) => e.name === 'iq' && e.attrs.type === 'set' && e.getChild(name, B) !== undefined;
export const pushedJids = (e: Element) => e.getChildElements()[0]!.getChildren('item').map((i) => i.attrs.jid as string).sort();
export const answerTo = (id: string) => (e: Element) => e.name === 'iq' && e.attrs.id === id;

/** Reads elements until each predicate has matched one; returns them in predicate order. */
export async function waitAll(c: RawClient, preds: Array<(e: Element) => boolean>): Promise<Element[]> {
  const found: Array<Element | undefined> = preds.map(() => undefined);
  while (found.some((f) => f === undefined)) {
    const el = await c.next();
    if (!el) throw new Error('connection closed');
    const i = preds.findIndex((p, k) => found[k] === undefined && p(el));
    if (i !== -1) found[i] = el;
  }
  return found as Element[];
}

/** Sends a command and returns its answer and the push this session gets for it. */
export async function command(c: RawClient, iq: Element, push: 'block' | 'unblock'): Promise<[Element, Element]> {
  c.send(iq);
  const [answer, p] = await waitAll(c, [answerTo(iq.attrs.id as string), isPush(push)]);
  return [answer!, p!];
}

/** Sends a command whose answer is all the session gets (no push expected). */
export async function answerOnly(c: RawClient, iq: Element): Promise<Element> {
  c.send(iq);
  return c.expect(answerTo(iq.attrs.id as string));
}

export async function blocklist(c: RawClient): Promise<string[]> {
  const res = await c.iq(xml('iq', { type: 'get' }, xml('blocklist', { xmlns: B })));
  assert.equal(res.attrs.type, 'result');
  return res.getChild('blocklist', B)!.getChildren('item').map((i) => i.attrs.jid as string);
}

/** Waits until the client's earlier stanzas have been handled (a stream handles them in order). */
export async function settled(c: RawClient): Promise<void> {
  const res = await c.iq(ping(c.domain));
  assert.equal(res.attrs.type, 'result');
}

/**
 * Asserts that nothing matching `forbidden` reaches `c` before a marker message that `from`
 * sends after everything before it has been handled.
 */
export async function nothingBefore(c: RawClient, cJid: string, from: RawClient, forbidden: (e: Element) => boolean): Promise<void> {
  const id = nextId('marker');
  from.send(chat(cJid, id, 'marker'));
  for (;;) {
    const el = await c.next();
    assert.ok(el, 'connection closed');
    if (el.name === 'message' && el.attrs.id === id) return;
    assert.ok(!forbidden(el), `unexpected ${el.toString()}`);
  }
}

export async function login(ts: TestServer, user: string, resource: string, domain = 'localhost'): Promise<RawClient> {
  const c = await RawClient.connect({ port: ts.c2sPort, ca: await ts.ca(domain), domain });
  await c.login(user, `pw-${user}`, resource);
  return c;
}
