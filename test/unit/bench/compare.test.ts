// bench/compare.js on result lines written here: ratios to the better peer and to each peer, the
// rate per server CPU-second and the driver-bound note.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const line = (label: string, binds: number, perS: number, serverCpuS: number, driverPct: number, clientBound: boolean, run?: number): string =>
  JSON.stringify({
    scenario: 'login', preset: 'login-tls', label, ok: true, harness_version: '2', note: run === undefined ? '' : `run=${run}`,
    metrics: { binds_ok: binds, logins_per_s: perS, client_bound_suspect: clientBound, login_latency_ms: { p99: 100 },
      cpu: { server_cpu_s: serverCpuS, driver_cpu_pct: driverPct, other_user_pct: 0 } },
  });

describe('bench/compare.js', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'starling-compare-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the rate, the rate per server CPU-second, the ratio to each of two peers, and flags a driver-bound run', () => {
    const file = join(dir, 'r.jsonl');
    writeFileSync(file, [
      line('starling', 3000, 500, 4, 95, true),
      line('ejabberd', 3000, 480, 6, 85, false),
      line('prosody', 3000, 200, 15, 40, false),
    ].join('\n'));
    const out = execFileSync(process.execPath, ['bench/compare.js', file], { encoding: 'utf8' });
    const row = (name: string): string[] => {
      const l = out.split('\n').find((x) => x.startsWith(`| (b) login TLS | ${name} |`));
      assert.ok(l, `no row ${name} in:\n${out}`);
      return l.split('|').map((c) => c.trim());
    };
    assert.deepEqual(row('logins/s').slice(3, 9), ['500', '480 [1.04x]', '200 [2.50x]', '1.04x', '>= 1.5x', 'no']);
    // 3000 / 4 s against ejabberd's 3000 / 6 s
    assert.deepEqual(row('logins per server CPU-second').slice(3, 7), ['750', '500 [1.50x]', '200 [3.75x]', '1.50x']);
    assert.deepEqual(row('driver CPU (%)').slice(3, 7), ['95', '85', '40', '']);
    assert.match(out, /Driver-bound .*: starling login-tls\./);
    assert.match(out, /\[Nx\] after a peer's figure: Starling \/ that peer\./);
  });

  it('with several runs, pairs Starling\'s run N with the better peer\'s run N and gives the median ratio', () => {
    const file = join(dir, 'paired.jsonl');
    // The machine is fast in run 1 and slow in runs 2 and 3, for both servers alike.
    writeFileSync(file, [
      line('starling', 3000, 1300, 4, 60, false, 1), line('ejabberd', 3000, 1100, 6, 60, false, 1),
      line('starling', 3000, 950, 4, 60, false, 2), line('ejabberd', 3000, 630, 6, 60, false, 2),
      line('starling', 3000, 900, 4, 60, false, 3), line('ejabberd', 3000, 640, 6, 60, false, 3),
    ].join('\n'));
    const out = execFileSync(process.execPath, ['bench/compare.js', file], { encoding: 'utf8' });
    const l = out.split('\n').find((x) => x.startsWith('| (b) login TLS | logins/s |'));
    assert.ok(l, out);
    const cells = l.split('|').map((c) => c.trim());
    // medians apart: 950 / 640; paired: 1.18, 1.51, 1.41 -> 1.41
    assert.deepEqual(cells.slice(3, 6), ['950 (n=3)', '640 (n=3)', '1.48x']);
    assert.equal(cells[8], '1.41x (1.18, 1.51, 1.41)');
    assert.match(out, /Paired: /);
  });

  it('says which presets ran on warm processes (bench/run.sh --warm), and says nothing when none did', () => {
    const warm = (l: string): string => { const r = JSON.parse(l) as { note: string }; r.note += ' warm'; return JSON.stringify(r); };
    const file = join(dir, 'warm.jsonl');
    writeFileSync(file, [warm(line('starling', 3000, 700, 4, 95, true, 1)), warm(line('ejabberd', 3000, 500, 6, 85, false, 1))].join('\n'));
    const out = execFileSync(process.execPath, ['bench/compare.js', file], { encoding: 'utf8' });
    assert.match(out, /^Warm runs \(bench\/run\.sh --warm\) for login-tls: /m);
    const cold = join(dir, 'cold.jsonl');
    writeFileSync(cold, [line('starling', 3000, 700, 4, 95, true, 1), line('ejabberd', 3000, 500, 6, 85, false, 1)].join('\n'));
    assert.doesNotMatch(execFileSync(process.execPath, ['bench/compare.js', cold], { encoding: 'utf8' }), /Warm runs/);
  });

  it('says when the driver kept one TLS context (bench/run.sh --one-tls-context), and warns when only some servers had it', () => {
    const oneCtx = (l: string): string => { const r = JSON.parse(l) as { note: string }; r.note += ' one-tls-context'; return JSON.stringify(r); };
    const both = join(dir, 'ctx.jsonl');
    writeFileSync(both, [oneCtx(line('starling', 3000, 800, 4, 95, true, 1)), oneCtx(line('ejabberd', 3000, 500, 6, 85, false, 1))].join('\n'));
    const out = execFileSync(process.execPath, ['bench/compare.js', both], { encoding: 'utf8' });
    assert.match(out, /^One TLS context \(bench\/run\.sh --one-tls-context\) for starling, ejabberd: /m);
    assert.doesNotMatch(out, /WARNING/);
    const mixed = join(dir, 'ctx-mixed.jsonl');
    writeFileSync(mixed, [oneCtx(line('starling', 3000, 800, 4, 95, true, 1)), line('ejabberd', 3000, 500, 6, 85, false, 1)].join('\n'));
    assert.match(execFileSync(process.execPath, ['bench/compare.js', mixed], { encoding: 'utf8' }), /^WARNING: not in every run of ejabberd: /m);
    // one server's own runs mixed: run 1 with the option, run 2 without
    const mixedRuns = join(dir, 'ctx-mixed-runs.jsonl');
    writeFileSync(mixedRuns, [
      oneCtx(line('starling', 3000, 800, 4, 95, true, 1)), line('starling', 3000, 700, 4, 95, true, 2),
      oneCtx(line('ejabberd', 3000, 500, 6, 85, false, 1)), oneCtx(line('ejabberd', 3000, 500, 6, 85, false, 2)),
    ].join('\n'));
    const outRuns = execFileSync(process.execPath, ['bench/compare.js', mixedRuns], { encoding: 'utf8' });
    assert.match(outRuns, /^One TLS context \(bench\/run\.sh --one-tls-context\) for ejabberd: /m);
    assert.match(outRuns, /^WARNING: not in every run of starling: /m);
    const cold = join(dir, 'cold.jsonl');
    assert.doesNotMatch(execFileSync(process.execPath, ['bench/compare.js', cold], { encoding: 'utf8' }), /One TLS context/);
  });

  it('with --storage postgres keeps Starling\'s runs despite the database\'s load, and gives the database\'s share of CPU', () => {
    const loaded = (l: string, note: string): string => {
      const r = JSON.parse(l) as { note: string; metrics: { cpu: { other_user_pct: number } } };
      r.note += note;
      r.metrics.cpu.other_user_pct = 30;
      return JSON.stringify(r);
    };
    const db = (run: number, dbS: number, sS: number): string =>
      JSON.stringify({ scenario: 'db_cpu', preset: 'db-cpu-login-tls', label: 'starling', ok: true, db: 'postgres', db_cpu_s: dbS, starling_cpu_s: sS, wall_s: 9, note: `run=${run} storage=postgres` });
    const pg = join(dir, 'pg.jsonl');
    writeFileSync(pg, [
      loaded(line('starling', 3000, 800, 4, 95, true, 1), ' storage=postgres'), db(1, 1, 5),
      loaded(line('starling', 3000, 600, 4, 95, true, 2), ' storage=postgres'), db(2, 2, 5),
      line('ejabberd', 3000, 500, 6, 85, false, 1), line('ejabberd', 3000, 500, 6, 85, false, 2),
    ].join('\n'));
    const out = execFileSync(process.execPath, ['bench/compare.js', pg], { encoding: 'utf8' });
    assert.match(out, /^Starling stored in PostgreSQL .*: login-tls 30 %\. /m);
    assert.match(out, /^\| \(b\) login TLS \| logins\/s \| 700 \(n=2\) \| 500 \(n=2\) \| 1\.40x \|/m);
    assert.doesNotMatch(out, /Dropped/);
    // the same load on SQLite runs (no database process) drops them
    const sqlite = join(dir, 'pg-not.jsonl');
    writeFileSync(sqlite, [loaded(line('starling', 3000, 800, 4, 95, true, 1), ''), line('ejabberd', 3000, 500, 6, 85, false, 1)].join('\n'));
    const outSqlite = execFileSync(process.execPath, ['bench/compare.js', sqlite], { encoding: 'utf8' });
    assert.match(outSqlite, /^Dropped 1 run\(s\) disturbed by other load/m);
    assert.doesNotMatch(outSqlite, /PostgreSQL/);
  });
});
