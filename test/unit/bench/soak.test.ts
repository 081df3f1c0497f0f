// The pure parts of the soak test (bench/soak/): message accounting, the verdict and its
// figures, the contact ring and the options. The soak run itself is `npm run soak` (docs/soak.md).
import assert from 'node:assert/strict';
import { Ledger } from '../../../bench/soak/ledger.js';
import { parseOptions } from '../../../bench/soak/options.js';
import { PickSet } from '../../../bench/soak/population.js';
import { serverFigures, verdict, type Sample, type VerdictInput } from '../../../bench/soak/report.js';
import { contactsOf } from '../../../bench/soak/server.js';

describe('bench/soak: ledger', () => {
  it('counts a live message received once, with its latency', () => {
    const l = new Ledger(3);
    const seq = l.send(1, 'online', 100);
    assert.equal(l.pendingFor(1), 1);
    l.receive(`s${seq}`, 1, 104.5, false);
    const s = l.summary();
    assert.equal(l.pendingFor(1), 0);
    assert.deepEqual([s.sent, s.delivered, s.lost, s.duplicated, s.misdelivered], [1, 1, 0, 0, 0]);
    assert.deepEqual(s.latencyMs, { p50: 4.5, p99: 4.5, max: 4.5 });
  });

  it('counts a second copy as duplicated, not delivered twice', () => {
    const l = new Ledger(2);
    const seq = l.send(0, 'online', 0);
    l.receive(`s${seq}`, 0, 1, false);
    l.receive(`s${seq}`, 0, 2, false);
    const s = l.summary();
    assert.deepEqual([s.delivered, s.duplicated, s.lost], [1, 1, 0]);
  });

  it('counts what never arrived as lost, online and offline apart, bounces included', () => {
    const l = new Ledger(4);
    l.send(0, 'online', 0);
    const bounced = l.send(1, 'online', 0);
    l.send(2, 'offline', 0);
    const ok = l.send(3, 'offline', 0);
    l.bounce(`s${bounced}`);
    l.receive(`s${ok}`, 3, 10, true);
    const s = l.summary();
    assert.deepEqual([s.sent, s.sentOffline, s.delivered, s.deliveredOffline], [4, 2, 1, 1]);
    assert.deepEqual([s.lost, s.lostOnline, s.lostOffline, s.bounced], [3, 2, 1, 1]);
    assert.deepEqual(l.outstanding, { online: 2, offline: 1 });
  });

  it('flags a message at the wrong account, an unknown id and a stamp that does not fit', () => {
    const l = new Ledger(3);
    const a = l.send(1, 'online', 0);
    const b = l.send(2, 'online', 0);
    const c = l.send(2, 'offline', 0);
    l.receive(`s${a}`, 2, 1, false);
    l.receive(`s${b}`, 2, 1, true);
    l.receive(`s${c}`, 2, 1, false);
    l.receive('s999', 2, 1, false);
    l.receive('x1', 2, 1, false);
    const s = l.summary();
    assert.deepEqual([s.misdelivered, s.unknown, s.delayedOnline, s.liveOffline, s.lost], [1, 2, 1, 1, 0]);
    // a stored live message has no meaningful latency: only the one received live counts
    assert.equal(s.latencyMs.max, 1);
  });
});

describe('bench/soak: accounts', () => {
  it('PickSet adds, deletes and picks only members', () => {
    const p = new PickSet(10);
    for (const i of [3, 5, 7, 5]) p.add(i);
    assert.equal(p.size, 3);
    p.delete(3);
    p.delete(9);
    assert.deepEqual([...p.values()].sort(), [5, 7]);
    for (let k = 0; k < 50; k++) assert.ok([5, 7].includes(p.random()!));
    p.delete(5);
    p.delete(7);
    assert.equal(p.random(), undefined);
  });

  it('contacts form a symmetric ring of k neighbours inside the ring only', () => {
    const ring = 10;
    for (let i = 0; i < ring; i++) {
      const mine = contactsOf(i, ring, 4);
      assert.equal(new Set(mine).size, 4);
      assert.ok(!mine.includes(i));
      for (const j of mine) assert.ok(contactsOf(j, ring, 4).includes(i), `${j} lists ${i}`);
    }
    assert.deepEqual(contactsOf(10, ring, 4), []);
    assert.deepEqual(contactsOf(0, 4, 4), [], 'a ring no larger than k has no room for distinct contacts');
  });
});

describe('bench/soak: options', () => {
  it('has the documented defaults, and --quick shortens the load to 30 s', () => {
    const d = parseOptions([])!;
    assert.deepEqual([d.sessions, d.seconds, d.rate, d.rssGrowth, d.build], [2000, 180, 500, 10, true]);
    assert.equal(parseOptions(['--quick'])!.seconds, 30);
    assert.equal(parseOptions(['--sessions', '3000', '--minutes', '5'])!.seconds, 300);
    assert.equal(parseOptions(['--quick', '--seconds', '45'])!.seconds, 45);
  });

  it('refuses values out of range, an odd contact count and unknown options', () => {
    assert.throws(() => parseOptions(['--sessions', '2.5']), /--sessions: expected an integer/);
    assert.throws(() => parseOptions(['--rate', '0']), /--rate/);
    assert.throws(() => parseOptions(['--contacts', '3']), /even/);
    assert.throws(() => parseOptions(['--offline-min', '9', '--offline-max', '4']), /offline-max/);
    assert.throws(() => parseOptions(['--minutes', '1', '--seconds', '60']), /not both/);
    assert.throws(() => parseOptions(['--bogus']), /Usage/);
  });

  it('takes a PostgreSQL URL with --postgres, and nothing else there', () => {
    assert.equal(parseOptions([])!.postgres, undefined, 'SQLite by default');
    assert.equal(parseOptions(['--postgres', 'postgres://soak@127.0.0.1/soak'])!.postgres, 'postgres://soak@127.0.0.1/soak');
    assert.throws(() => parseOptions(['--postgres', 'sqlite:x.db']), /--postgres: expected a postgres:\/\/ URL/);
  });
});

const MiB = 1048576;
function sample(t: number, rss: number, handles: number): Sample {
  return { t, rss: rss * MiB, heapUsed: MiB, heapTotal: MiB, external: 0, elP50: 0, elP99: 1, elMax: 2, elu: 0, cpu: 10, gcMs: 0, handles, kinds: { TCPWrap: handles } };
}

function input(over: Partial<VerdictInput> & { rss?: number[]; endHandles?: number }): VerdictInput {
  const idle = [sample(0, 50, 3), sample(1, 50, 2)];
  const load = (over.rss ?? Array<number>(20).fill(100)).map((r, i) => sample(10 + i, r, 500));
  const after = [sample(40, 90, over.endHandles ?? 2)];
  const fig = serverFigures(idle, load, [...idle, ...load, ...after], after);
  const l = new Ledger(2);
  l.receive(`s${l.send(0, 'online', 0)}`, 0, 1, false);
  return {
    messages: l.summary(), server: fig, rssGrowthBound: 10, rssAfterGc: false, loginFailures: 0, unexpectedCloses: 0, storedLeft: 0, logErrors: 0,
    exit: { code: 0, killed: false, crashed: false }, ...over,
  };
}

describe('bench/soak: verdict', () => {
  it('passes a clean run: flat RSS, handles back to the lowest idle count', () => {
    const v = verdict(input({}));
    assert.ok(v.ok, JSON.stringify(v.checks.filter((c) => !c.ok)));
    const fig = input({}).server;
    assert.deepEqual([fig.handles.baseline, fig.handles.end, fig.rssGrowthPct], [2, 2, 0]);
  });

  it('fails on RSS growth over the second half beyond the bound, measured on window medians', () => {
    // 20 load samples: the second half is 10 samples, windows of 3 at its start and end
    const rising = [...Array<number>(10).fill(100), 100, 100, 100, 105, 108, 110, 112, 115, 115, 115];
    const v = verdict(input({ rss: rising }));
    assert.equal(input({ rss: rising }).server.rssGrowthPct, 15);
    assert.deepEqual(v.checks.filter((c) => !c.ok).map((c) => c.name), ['RSS growth over the second half <= 10 %']);
  });

  it('measures growth between the full GCs at mid-load and at its end when there are any', () => {
    const rising = [...Array<number>(13).fill(100), 120, 130, 140, 150, 150, 150, 150];
    const mark = (t: number, rss: number, heap: number) => ({ t, mark: 'gc' as const, rss: rss * MiB, heapUsed: heap * MiB, handles: 500 });
    const fig = serverFigures([sample(0, 50, 2)], rising.map((r, i) => sample(10 + i, r, 500)), [], [sample(40, 90, 2)],
      { mid: mark(20, 100, 40), end: mark(30, 104, 42), after: mark(45, 90, 20) });
    assert.deepEqual([fig.rssGrowthPct, fig.heapGrowthPct, fig.rssGrowthRawPct], [4, 5, 50]);
    assert.deepEqual(fig.afterGcMiB, { rss: [100, 104, 90], heapUsed: [40, 42, 20] });
  });

  it('fails on a handle leak, a lost or duplicated message, and an unclean stop', () => {
    const failed = (v: VerdictInput): string[] => verdict(v).checks.filter((c) => !c.ok).map((c) => c.name);
    assert.deepEqual(failed(input({ endHandles: 3 })), ['handles back to the baseline']);
    const lost = input({});
    lost.messages = { ...lost.messages, lost: 1, lostOnline: 1 };
    assert.deepEqual(failed(lost), ['no message lost']);
    const dup = input({});
    dup.messages = { ...dup.messages, duplicated: 2 };
    assert.deepEqual(failed(dup), ['no message duplicated']);
    assert.deepEqual(failed(input({ exit: { code: null, killed: true, crashed: false } })), ['server stopped cleanly on SIGTERM']);
  });
});
