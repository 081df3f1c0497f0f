// The in-memory rosters of accounts with sessions (core/online-rosters.ts) in front of the
// memory store: what is kept, when it is dropped, and that every write is seen by the next read.
import assert from 'node:assert/strict';
import { OnlineRosters } from '../../../src/core/online-rosters.js';
import { SessionManager } from '../../../src/core/session-manager.js';
import type { ClientSession } from '../../../src/core/session-types.js';
import { createMemoryStorage } from '../../../src/storage/memory/index.js';
import type { RosterItem, Storage } from '../../../src/storage/types.js';
import { deriveCredentials } from '../../../src/xmpp/sasl/index.js';
import { Jid } from '../../../src/xmpp/jid.js';

const H = 'example.org';
const item = (jid: string): RosterItem => ({ jid, subscription: 'both', ask: false, approved: false, groups: ['Friends'] });

describe('online rosters (core)', () => {
  let raw: Storage;
  let sessions: SessionManager;
  let rosters: OnlineRosters;
  let s: Storage;
  let reads: number;

  beforeEach(async () => {
    raw = createMemoryStorage();
    await raw.accounts.create(H, 'alice', await deriveCredentials('pw', 4096));
    await raw.accounts.create(H, 'bob', await deriveCredentials('pw', 4096));
    await raw.roster.setItem(H, 'alice', item('carol@example.net'));
    reads = 0;
    const get = raw.roster.get.bind(raw.roster);
    raw.roster.get = (host, username) => {
      reads++;
      return get(host, username);
    };
    sessions = new SessionManager();
    rosters = new OnlineRosters(raw.roster, (bare) => sessions.hasAccount(bare));
    sessions.onAccountEmptied((bare) => rosters.drop(bare));
    s = rosters.wrap(raw);
  });

  const bind = (full: string): ClientSession => {
    const session = { jid: Jid.parse(full) } as unknown as ClientSession;
    sessions.add(session);
    return session;
  };

  it('reads the roster of an account with a session once, and the same roster every time', async () => {
    bind('alice@example.org/phone');
    const a = await s.roster.get(H, 'alice');
    const b = await s.roster.get(H, 'alice');
    assert.equal(reads, 1);
    assert.equal(a, b);
    assert.deepEqual(a.items.map((i) => i.jid), ['carol@example.net']);
  });

  it('does not keep the roster of an account without a session', async () => {
    await s.roster.get(H, 'alice');
    await s.roster.get(H, 'alice');
    assert.equal(reads, 2);
    assert.equal(rosters.size, 0);
  });

  it('hands out frozen rosters, so that no reader changes what the others see', async () => {
    bind('alice@example.org/phone');
    const r = await s.roster.get(H, 'alice');
    assert.throws(() => r.items.push(item('x@example.net')), TypeError);
    assert.throws(() => {
      r.items[0]!.subscription = 'none';
    }, TypeError);
    assert.throws(() => r.items[0]!.groups.push('Work'), TypeError);
  });

  it('every write through it is seen by the next read', async () => {
    bind('alice@example.org/phone');
    assert.equal((await s.roster.get(H, 'alice')).version, 1);
    await s.roster.setItem(H, 'alice', item('dave@example.net'));
    const after = await s.roster.get(H, 'alice');
    assert.equal(after.version, 2);
    assert.deepEqual(after.items.map((i) => i.jid), ['carol@example.net', 'dave@example.net']);
    await s.roster.removeItem(H, 'alice', 'carol@example.net');
    assert.deepEqual((await s.roster.get(H, 'alice')).items.map((i) => i.jid), ['dave@example.net']);
    assert.equal(reads, 3);
  });

  it('a read in flight while a write runs is not kept', async () => {
    bind('alice@example.org/phone');
    const during = s.roster.get(H, 'alice');
    const write = s.roster.setItem(H, 'alice', item('dave@example.net'));
    await Promise.all([during, write]);
    const next = await s.roster.get(H, 'alice');
    assert.equal(next.version, 2);
    assert.equal(next.items.length, 2);
  });

  it('a failed write still drops the entry', async () => {
    bind('alice@example.org/phone');
    await s.roster.get(H, 'alice');
    const set = raw.roster.setItem.bind(raw.roster);
    raw.roster.setItem = async (host, username, it) => {
      await set(host, username, it);
      throw new Error('lost connection after the commit');
    };
    await assert.rejects(s.roster.setItem(H, 'alice', item('dave@example.net')));
    assert.equal((await s.roster.get(H, 'alice')).items.length, 2);
  });

  it('drops the roster when the last session of the account ends, not before', async () => {
    const phone = bind('alice@example.org/phone');
    const laptop = bind('alice@example.org/laptop');
    await s.roster.get(H, 'alice');
    sessions.remove(phone);
    assert.equal(rosters.size, 1);
    sessions.remove(laptop);
    assert.equal(rosters.size, 0);
    await s.roster.get(H, 'alice');
    assert.equal(reads, 2);
  });

  it('drops the roster when the account is deleted', async () => {
    bind('alice@example.org/phone');
    await s.roster.get(H, 'alice');
    assert.equal(await s.accounts.delete(H, 'alice'), true);
    assert.equal(rosters.size, 0);
    assert.deepEqual((await s.roster.get(H, 'alice')).items, []);
  });

  it('keeps accounts apart', async () => {
    bind('alice@example.org/phone');
    bind('bob@example.org/phone');
    await s.roster.setItem(H, 'bob', item('erin@example.net'));
    assert.deepEqual((await s.roster.get(H, 'alice')).items.map((i) => i.jid), ['carol@example.net']);
    assert.deepEqual((await s.roster.get(H, 'bob')).items.map((i) => i.jid), ['erin@example.net']);
  });
});
