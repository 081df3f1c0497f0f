// The offline module's wiring without sockets: what is removed after a delivery that stops
// half-way, the re-check that keeps a message from being stranded while its recipient comes
// online, unreadable rows, and storage failures during delivery (XEP-0160 §2).
import assert from 'node:assert/strict';
import offline from '../../../src/modules/offline/index.js';
import { createAccount } from '../../../src/core/accounts.js';
import type { ModuleApi } from '../../../src/core/module-api.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { silentLogger } from '../../../src/util/log.js';
import { Jid } from '../../../src/xmpp/jid.js';
import { xml, type Element } from '../../../src/xmpp/xml.js';

type Handler = (payload: unknown) => unknown;

class FakeSession {
  readonly id = Math.random().toString(36).slice(2);
  available = false;
  priority = 0;
  presence: Element | undefined;
  readonly remoteAddress = '127.0.0.1';
  readonly secure = true;
  readonly received: Element[] = [];
  /** Called after each stanza handed over (to simulate the client going away). */
  afterSend: (() => void) | undefined;
  constructor(readonly jid: Jid) {}
  send(stanza: Element): void {
    this.received.push(stanza);
    this.afterSend?.();
  }
  close(): void {
    this.available = false;
  }
}

class Harness {
  readonly storage: Storage = createMemoryStorage();
  readonly handlers = new Map<string, Handler>();
  readonly sessions: FakeSession[] = [];
  readonly errors: string[] = [];

  async start(): Promise<this> {
    const api = {
      name: 'offline', host: 'localhost', options: offline.options.parse({ max_messages: 10 }),
      log: { ...silentLogger, error: (msg: string) => void this.errors.push(msg), child: () => api.log },
      storage: this.storage,
      server: { name: 'Starling', version: '0' },
      on: (event: string, fn: Handler) => void this.handlers.set(event, fn),
      addFeature: () => undefined,
      hasFeature: () => false,
      onBind2: () => undefined,
      sessionsOf: (bare: Jid) => this.sessions.filter((s) => s.jid.bare === bare.bare),
    } as unknown as ModuleApi<{ max_messages: number }>;
    await offline.setup(api);
    await createAccount(this.storage, Jid.parse('bob@localhost'), 'pw', 4096);
    return this;
  }

  fire(event: string, payload: unknown): unknown {
    return this.handlers.get(event)!(payload);
  }

  /** Stores a chat message for bob as the module would for an offline recipient. */
  async send(id: string): Promise<unknown> {
    const stanza = xml('message', { from: 'alice@localhost/home', to: 'bob@localhost', type: 'chat', id }, xml('body', {}, id));
    return this.fire('message/bare', { stanza, from: Jid.parse('alice@localhost/home'), to: Jid.parse('bob@localhost'), origin: undefined });
  }

  session(resource: string): FakeSession {
    const s = new FakeSession(Jid.parse(`bob@localhost/${resource}`));
    this.sessions.push(s);
    return s;
  }

  async online(s: FakeSession, priority = 0): Promise<void> {
    s.available = true;
    s.priority = priority;
    await this.fire('presence/available', { session: s, initial: true });
  }

  count(): Promise<number> {
    return this.storage.offline.count('localhost', 'bob');
  }
}

describe('modules/offline: delivery', () => {
  it('removes only the messages handed to a session that went away during delivery (XEP-0160 §2)', async () => {
    const h = await new Harness().start();
    for (const id of ['m1', 'm2', 'm3']) assert.equal(await h.send(id), true);
    const s = h.session('r');
    s.afterSend = () => s.close();
    await h.online(s);
    assert.deepEqual(s.received.map((m) => m.attrs.id), ['m1']);
    assert.equal(await h.count(), 2);
    // The next resource gets the rest, in order.
    const s2 = h.session('r2');
    await h.online(s2);
    assert.deepEqual(s2.received.map((m) => m.attrs.id), ['m2', 'm3']);
    assert.equal(await h.count(), 0);
  });

  it('leaves a message to core delivery when its recipient came online before it was stored', async () => {
    const h = await new Harness().start();
    const s = h.session('r');
    const storing = h.send('m1'); // queued behind nothing, but runs after this turn
    const coming = h.online(s); // the recipient becomes available in the same turn
    assert.equal(await storing, false, 'declined: core delivers it to the new resource');
    await coming;
    assert.equal(await h.count(), 0);
  });

  it('drops an unreadable stored row with an error log and delivers the others', async () => {
    const h = await new Harness().start();
    await h.storage.offline.push('localhost', 'bob', '<message><unclosed></message>', 10);
    await h.send('m2');
    const s = h.session('r');
    await h.online(s);
    assert.deepEqual(s.received.map((m) => m.attrs.id), ['m2']);
    assert.deepEqual(h.errors, ['unreadable offline message dropped']);
    assert.equal(await h.count(), 0);
  });

  it('lets presence go on when storage fails during delivery, and keeps the messages', async () => {
    const h = await new Harness().start();
    await h.send('m1');
    const list = h.storage.offline.list;
    h.storage.offline.list = () => Promise.reject(new Error('disk on fire'));
    const s = h.session('r');
    await h.online(s); // resolves, does not throw
    assert.deepEqual(h.errors, ['offline delivery failed']);
    h.storage.offline.list = list;
    assert.equal(await h.count(), 1);
  });

  it('does not deliver to a negative priority, nor twice to the same available session', async () => {
    const h = await new Harness().start();
    await h.send('m1');
    const s = h.session('r');
    await h.online(s, -5);
    assert.equal(s.received.length, 0);
    s.priority = 1;
    await h.fire('presence/available', { session: s, initial: false });
    assert.deepEqual(s.received.map((m) => m.attrs.id), ['m1']);
    // Messages stored now (e.g. by another server in a cluster) wait for the next transition.
    await h.storage.offline.push('localhost', 'bob', "<message to='bob@localhost' id='late'/>", 10);
    await h.fire('presence/available', { session: s, initial: false });
    assert.equal(s.received.length, 1);
  });
});
