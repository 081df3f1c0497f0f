// bench/ab-report.js, which bench/ab.sh runs after each run and at the end: server CPU per measured
// login of two builds measured at once, their ratio, and medians over the runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const result = (label: string, binds: number, serverCpuS: number, ok = true): string =>
  JSON.stringify({
    scenario: 'login', preset: 'login-tls', label, ok, error: ok ? null : 'connect ECONNREFUSED',
    metrics: { binds_ok: binds, logins_per_s: 700, cpu: { server_cpu_s: serverCpuS, driver_cpu_pct: 95 } },
  });

describe('bench/ab-report.js', () => {
  let dir: string;
  const report = (...args: string[]): string => execFileSync(process.execPath, ['bench/ab-report.js', ...args], { encoding: 'utf8' });
  const run = (n: number, base: string, test: string, ticks: [number, number], dbTicks: number[] = []): string => {
    writeFileSync(join(dir, `b${n}`), `${base}\n`);
    writeFileSync(join(dir, `t${n}`), `${test}\n`);
    return report('run', join(dir, 'runs.jsonl'), String(n), n % 2 ? 'base' : 'test', join(dir, `b${n}`), join(dir, `t${n}`), String(ticks[0]), String(ticks[1]),
      ...dbTicks.map(String));
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starling-ab-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each build CPU per measured login, their ratio and the whole-run ticks ratio, then medians', () => {
    // 3000 logins: 3.9 s is 1.300 ms a login, 3.6 s 1.200 ms
    const out = run(1, result('base', 3000, 3.9), result('test', 3000, 3.6), [600, 570]);
    assert.match(out, /base 1\.300 ms, test 1\.200 ms, test\/base 0\.923 \| whole run ticks 600 \/ 570, test\/base 0\.950/);
    run(2, result('base', 3000, 3.0), result('test', 3000, 3.0), [500, 500]);
    run(3, result('base', 3000, 4.0), result('test', 3000, 3.8), [640, 620]);
    const summary = report('summary', join(dir, 'runs.jsonl'));
    assert.match(summary, /over 3 runs: per measured login median 0\.950 \(0\.923-1\.000\), whole runs median 0\.969 \(0\.950-1\.000\)/);
  });

  it('with each build\'s database ticks, also gives the ratio of server and database together', () => {
    const out = run(1, result('base', 3000, 3.9), result('test', 3000, 3.6), [600, 570], [100, 60]);
    // (570 + 60) / (600 + 100) = 0.9
    assert.match(out, /whole run ticks 600 \/ 570, test\/base 0\.950 \| databases 100 \/ 60 ticks, server and database test\/base 0\.900 \|/);
    run(2, result('base', 3000, 3.0), result('test', 3000, 3.0), [500, 500], [50, 60]);
    const summary = report('summary', join(dir, 'runs.jsonl'));
    assert.match(summary, /whole runs median 0\.975 \(0\.950-1\.000\), whole runs with their databases median 0\.959 \(0\.900-1\.018\)/);
    // without database ticks (SQLite) the line says nothing of databases
    assert.doesNotMatch(run(3, result('base', 3000, 3.0), result('test', 3000, 3.0), [500, 500]), /database/);
    assert.doesNotMatch(report('summary', join(dir, 'runs.jsonl')), /database/);
  });

  it('gives server CPU per message delivered in the fixed-rate phase for the chat scenario', () => {
    const chat = (label: string, delivered: number, serverCpuS: number, lost = 0): string => JSON.stringify({
      scenario: 'chat', preset: 'chat', label, ok: lost === 0, error: lost === 0 ? null : `fixed-rate phase lost ${lost} deliveries`,
      metrics: { binds_ok: 200, fixed_rate: { offered: 16000, delivered, lost, server_cpu_s: serverCpuS, driver_cpu_pct: 40, latency_ms: { p99: 1.2 } } },
    });
    // 240,000 messages: 3.0 s is 12.5 us a message, 2.88 s 12.0 us
    const out = run(1, chat('base', 240000, 3.0), chat('test', 240000, 2.88), [900, 880]);
    assert.match(out, /server CPU per measured message base 12\.500 us, test 12\.000 us, test\/base 0\.960 \|/);
    assert.match(out, /16000 msg\/s offered, p99 1\.2 ms/);
    assert.match(report('summary', join(dir, 'runs.jsonl')), /over 1 runs: per measured message median 0\.960 \(0\.960-0\.960\)/);
    const lost = run(2, chat('base', 240000, 3.0), chat('test', 239990, 2.9, 10), [900, 880]);
    assert.match(lost, /the test driver failed \(fixed-rate phase lost 10 deliveries\); run left out/);
  });

  it('gives server CPU per newcomer for the presence scenario', () => {
    const presence = (label: string, completed: number, serverCpuS: number): string => JSON.stringify({
      scenario: 'presence', preset: 'presence', label, ok: completed === 300, error: completed === 300 ? null : 'newcomers missing',
      metrics: { newcomers_completed: completed, newcomers_per_s: 480, broadcast_latency_ms: { p99: 45 }, cpu: { server_cpu_s: serverCpuS, driver_cpu_pct: 40 } },
    });
    // 300 newcomers: 0.54 s is 1.8 ms a newcomer, 0.51 s 1.7 ms
    const out = run(1, presence('base', 300, 0.54), presence('test', 300, 0.51), [9000, 8900]);
    assert.match(out, /server CPU per measured newcomer base 1\.800 ms, test 1\.700 ms, test\/base 0\.944 \|/);
    assert.match(out, /480 newcomers\/s, broadcast p99 45 ms/);
    assert.match(report('summary', join(dir, 'runs.jsonl')), /over 1 runs: per measured newcomer median 0\.944/);
  });

  it('leaves a run whose driver failed out of the medians, and says so', () => {
    const out = run(1, result('base', 3000, 3.9), result('test', 0, 0.1, false), [600, 30]);
    assert.match(out, /the test driver failed \(connect ECONNREFUSED\); run left out/);
    assert.throws(() => readFileSync(join(dir, 'runs.jsonl')), /ENOENT/);
    assert.throws(() => report('summary', join(dir, 'runs.jsonl')), (err: { stdout: string; status: number }) => err.status === 1 && /no run completed/.test(err.stdout));
  });
});
