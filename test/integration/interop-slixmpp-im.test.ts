// IM interop with slixmpp (Debian python3-slixmpp 1.8.x) through test/interop/slixmpp_im.py, run
// with the Debian Python: two slixmpp accounts add each other to their rosters, subscribe both
// ways with explicit approvals, see each other's presence, chat both ways, and one of them gets a
// message sent while it was offline, with a XEP-0203 delay stamp, when it logs in again
// (RFC 6121 §2, §3.1, §4.2, §4.5, §5.1; XEP-0160 §2; XEP-0203). Default modules and SQLite.
import assert from 'node:assert/strict';
import type { DriverEvent, DriverResult } from '../interop/process.js';
import { startInteropServer, type InteropServer } from '../interop/fixture.js';
import { requirePython, runPython } from '../interop/python.js';

const TIMEOUT_S = 10;
const ALICE = 'alice@localhost';
const BOB = 'bob@localhost';

interface Push {
  jid: string;
  subscription: string;
  ask: string | null;
  name: string | null;
  groups: string[];
}
interface Item {
  jid: string;
  subscription: string;
  pending_out: boolean;
  name: string | null;
  groups: string[];
}
interface Chat {
  who: string;
  from: string;
  to: string;
  type: string;
  body: string;
  delay: { from: string | null; stamp: string | null; text: string | null } | null;
}

describe('interop: slixmpp IM life cycle (RFC 6121 §2-§5, XEP-0160, XEP-0203)', function () {
  this.timeout(90_000);
  let server: InteropServer | undefined;
  let res: DriverResult;

  before(async function () {
    requirePython(this, 'slixmpp', 'python3-slixmpp');
    server = await startInteropServer(['alice', 'bob']);
    // One run of the scenario; each test below judges one part of what it reported.
    res = await runPython('slixmpp_im.py', ['--port', String(server.ts.c2sPort), '--ca', server.caFile, '--timeout', String(TIMEOUT_S),
      '--jid', ALICE, '--password', 'pw-alice', '--peer-jid', BOB, '--peer-password', 'pw-bob'], TIMEOUT_S * 6_000 + 5_000);
  });
  after(() => server?.stop());

  const all = (name: string): DriverEvent[] => res.events.filter((e) => e.event === name);
  const one = (name: string, pick: (e: DriverEvent) => boolean = () => true): DriverEvent => {
    const e = all(name).find(pick);
    if (!e) throw new Error(`no matching "${name}" event (exit ${res.code}): events ${JSON.stringify(res.events)}; stderr ${JSON.stringify(res.stderr.slice(-2000))}`);
    return e;
  };
  const whoIs = (bare: string) => (e: DriverEvent): boolean => String(e.who).startsWith(`${bare}/`);
  /** Full JIDs of the three sessions: alice, bob, bob again. */
  const sessions = (): [string, string, string] => {
    const online = all('online').map((e) => String(e.jid));
    assert.equal(online.length, 3, JSON.stringify(res.events));
    return online as [string, string, string];
  };

  it('runs the whole scenario to the end without error', () => {
    assert.equal(res.code, 0, `${JSON.stringify(res.events)} ${res.stderr.slice(-2000)}`);
    assert.ok(res.events.some((e) => e.event === 'done'));
    const [alice, bob, bobAgain] = sessions();
    assert.match(alice, /^alice@localhost\/.+/);
    assert.match(bob, /^bob@localhost\/.+/);
    assert.match(bobAgain, /^bob@localhost\/.+/);
    for (const e of all('online')) assert.equal(e.mechanism, 'SCRAM-SHA-256');
  });

  it('starts both accounts with an empty roster (RFC 6121 §2.1.3, §2.2)', () => {
    for (const who of [ALICE, BOB]) {
      const r = one('roster-get', (e) => whoIs(who)(e) && e.label === 'initial');
      assert.deepEqual(r.items, []);
      assert.equal(typeof r.ver, 'string', 'roster versioning is advertised, so the result carries a version (RFC 6121 §2.6.3)');
    }
  });

  it('pushes the item of a roster set, with its name and group and subscription none, before the result (RFC 6121 §2.3.2, §2.1.6)', () => {
    const set = one('roster-set');
    assert.deepEqual(set.pushes, [{ jid: BOB, subscription: 'none', ask: null, name: 'Bob', groups: ['Friends'] }]);
  });

  it('delivers a subscription request and its approval from the sender\'s bare JID (RFC 6121 §3.1.2, §3.1.3, §3.1.5, §3.1.6)', () => {
    const toBob = one('subscription-request', whoIs(BOB));
    assert.deepEqual([toBob.from, toBob.to, toBob.type], [ALICE, BOB, 'subscribe']);
    const toAlice = one('subscription-request', whoIs(ALICE));
    assert.deepEqual([toAlice.from, toAlice.to, toAlice.type], [BOB, ALICE, 'subscribe']);
    const okAlice = one('subscription-approved', whoIs(ALICE));
    assert.deepEqual([okAlice.from, okAlice.type], [BOB, 'subscribed']);
    const okBob = one('subscription-approved', whoIs(BOB));
    assert.deepEqual([okBob.from, okBob.type], [ALICE, 'subscribed']);
  });

  it('leaves slixmpp\'s roster at subscription both on each side, name and group kept, no pending request (RFC 6121 §3.1.6, §2.1.2)', () => {
    const alice = one('roster', whoIs(ALICE)).item as Item;
    assert.deepEqual(alice, { jid: BOB, subscription: 'both', pending_out: false, name: 'Bob', groups: ['Friends'] });
    const bob = one('roster', whoIs(BOB)).item as Item;
    assert.deepEqual(bob, { jid: ALICE, subscription: 'both', pending_out: false, name: null, groups: [] });
  });

  it('pushes every change of the subscription state to each side, in order (RFC 6121 §3.1.2, §3.1.5, §3.1.6; Appendix A)', () => {
    const brief = (p: Push): string => [p.subscription, p.ask].filter(Boolean).join('+');
    const alice = one('roster', whoIs(ALICE)).pushes as Push[];
    // Set; request sent (ask); bob approves (to); alice approves bob's request (both).
    assert.deepEqual(alice.map(brief), ['none', 'none+subscribe', 'to', 'both'], JSON.stringify(alice));
    for (const p of alice) assert.deepEqual([p.jid, p.name, p.groups], [BOB, 'Bob', ['Friends']], 'a subscription change keeps name and groups (RFC 6121 §2.1.2)');
    const bob = one('roster', whoIs(BOB)).pushes as Push[];
    // bob approves (from); bob asks back (from+ask); alice approves (both). A request alone adds no item.
    assert.deepEqual(bob.map(brief), ['from', 'from+subscribe', 'both'], JSON.stringify(bob));
    for (const p of bob) assert.equal(p.jid, ALICE);
  });

  it('shows each side the other\'s available presence once subscribed (RFC 6121 §3.1.5, §4.2.2)', () => {
    const [alice, bob] = sessions();
    assert.ok(all('presence-seen').some((e) => e.who === alice && e.from === bob), 'alice saw bob');
    assert.ok(all('presence-seen').some((e) => e.who === bob && e.from === alice), 'bob saw alice');
  });

  it('delivers chat messages both ways, sent to the bare JID, from the sender\'s full JID (RFC 6121 §5.1, §8.5.2.1.1)', () => {
    const [alice, bob] = sessions();
    const [toBob, toAlice] = all('received') as unknown as Chat[];
    assert.ok(toBob && toAlice, JSON.stringify(res.events));
    assert.deepEqual([toBob.who, toBob.from, toBob.to, toBob.type, toBob.body, toBob.delay], [bob, alice, BOB, 'chat', 'hello bob', null]);
    assert.deepEqual([toAlice.who, toAlice.from, toAlice.to, toAlice.type, toAlice.body, toAlice.delay], [alice, bob, ALICE, 'chat', 'hello alice', null]);
  });

  it('tells a subscriber when the contact\'s last session ends (RFC 6121 §4.5.2)', () => {
    const [alice, bob] = sessions();
    const gone = one('presence-gone');
    assert.deepEqual([gone.who, gone.from], [alice, bob]);
  });

  it('keeps the subscription in the roster of an account that logs in again (RFC 6121 §2.1.3)', () => {
    const r = one('roster-get', (e) => e.label === 'relogin');
    assert.deepEqual(r.items, [{ jid: ALICE, subscription: 'both', ask: null, name: null, groups: [] }]);
    const item = one('relogin-roster').item as Item;
    assert.deepEqual([item.subscription, item.pending_out], ['both', false]);
  });

  it('delivers a chat message sent while the account was offline at its next available presence, with a XEP-0203 delay from the server (XEP-0160 §2; XEP-0203 §3)', () => {
    const [alice, , bobAgain] = sessions();
    const m = one('received-offline') as unknown as Chat & { receivedAt: string };
    assert.deepEqual([m.who, m.from, m.to, m.type, m.body], [bobAgain, alice, BOB, 'chat', 'while you were away']);
    assert.ok(m.delay, 'the stored message carries <delay xmlns="urn:xmpp:delay"/>');
    assert.equal(m.delay.from, 'localhost');
    assert.ok(m.delay.stamp, 'the delay has a stamp');
    // XEP-0082 DateTime in UTC.
    assert.match(m.delay.stamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const stamp = Date.parse(m.delay.stamp);
    const sentAt = Date.parse(String(one('sent-offline').sentAt));
    // The stamp is when the server stored the message: after alice sent it (same clock; slack
    // for the millisecond rounding), before bob got it.
    assert.ok(stamp >= sentAt - 1000 && stamp <= Date.parse(m.receivedAt) + 1000, `${m.delay.stamp} between ${String(one('sent-offline').sentAt)} and ${m.receivedAt}`);
  });

  it('gives a returning account its contact\'s presence (probe) and the contact the returning account\'s presence (RFC 6121 §4.2.2, §4.3.2)', () => {
    const [alice, , bobAgain] = sessions();
    assert.ok(all('presence-seen').some((e) => e.who === bobAgain && e.from === alice), 'bob (again) saw alice');
    assert.ok(all('presence-seen').some((e) => e.who === alice && e.from === bobAgain), 'alice saw bob again');
  });
});
