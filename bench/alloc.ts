// Bytes the server allocates per routed one-to-one message (or per login), and where: the server runs in this
// process with V8's sampling heap profiler (objects later collected by GC included), the shared
// harness's load driver runs in a child process. Allocation volume decides how often the young
// generation is scavenged, i.e. the GC pauses in the latency tail. Unlike timings, it does not
// depend on other load on the machine.
//   npm run bench:alloc -- [--messages-per-second 2000] [--seconds 10] [--top 25] [--scenario chat|login]
//     [--logins 2000]   (login: the harness's login scenario, TCP + SCRAM-SHA-1 + bind + close, 50 in flight)
//     [--modules disco,ping,...]   (default: the default module set; `bench` = bench/starling-bench.yaml.in's)
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestServer } from '../test/support/server.js';

const { values: opt } = parseArgs({
  options: {
    'messages-per-second': { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    pairs: { type: 'string', default: '100' },
    top: { type: 'string', default: '25' },
    modules: { type: 'string' },
    scenario: { type: 'string', default: 'chat' },
    logins: { type: 'string', default: '2000' },
  },
});
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const harness = process.env.STARLING_BENCH_HARNESS ?? resolve(repo, '../shared/bench');
const driver = join(harness, 'driver/xmppbench.js');
if (!existsSync(driver)) {
  console.error(`bench/alloc.ts: load driver not found at ${driver} (set STARLING_BENCH_HARNESS)`);
  process.exit(2);
}

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampleNode[];
}

const post = <T>(s: Session, method: string, params?: object): Promise<T> =>
  new Promise((res, rej) => s.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r as T))));

/** The module set of bench/starling-bench.yaml.in. */
const BENCH_MODULES = 'disco,ping,version,time,vcard,private,last,blocking,offline,register,presence,roster,carbons,csi,caps,pep';
const moduleList = opt.modules === 'bench' ? BENCH_MODULES : opt.modules;

const scenario = opt.scenario === 'login' ? 'login' : 'chat';
if (opt.scenario !== scenario) {
  console.error(`bench/alloc.ts: unknown scenario ${opt.scenario} (chat or login)`);
  process.exit(2);
}
const pairs = Number(opt.pairs);
/** The login scenario cycles over this many accounts, like the harness's login preset. */
const LOGIN_USERS = 1000;
const ts = await startTestServer((c) => {
  if (moduleList) c.modules = Object.fromEntries(moduleList.split(',').map((m) => [m.trim(), {}]));
  c.listeners.c2s.starttls_required = false;
  c.limits.max_connections_per_address = 0;
  c.limits.read_rate_bytes_per_second = 0;
  c.limits.unauthenticated_read_rate_bytes_per_second = 0;
});
const users = scenario === 'login' ? LOGIN_USERS : 2 * pairs;
for (let i = 1; i <= users; i++) await ts.addUser(`u${i}@localhost`, 'benchpass');

const runDriver = (args: string[]): Promise<string> =>
  new Promise((res, rej) => {
    const p = spawn(process.execPath, [driver, ...args, '--port', String(ts.c2sPort), '--domain', 'localhost', '--out', '/dev/null', '--scram-cache', join(ts.dataDir, 'scram-cache.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`driver exited with ${code}`))));
  });

const chat = (secs: number): string[] => ['chat', '--pairs', String(pairs), '--fixed-rate', opt['messages-per-second']!, '--fixed-secs', String(secs), '--rates', opt['messages-per-second']!, '--step-secs', '1', '--drain-secs', '2'];
const login = (n: number): string[] => ['login', '--logins', String(n), '--users', String(LOGIN_USERS), '--concurrency', '50'];
// Warm-up (JIT, SCRAM cache), then two measured runs that differ only in the number of messages
// (or logins): the difference cancels what set-up allocates (for chat: the logins).
await runDriver(scenario === 'login' ? login(LOGIN_USERS) : chat(2));
const session = new Session();
session.connect();
const measure = async (args: string[]): Promise<{ bytes: number; root: SampleNode }> => {
  await post(session, 'HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await runDriver(args);
  const { profile } = await post<{ profile: { head: SampleNode } }>(session, 'HeapProfiler.stopSampling');
  const total = (n: SampleNode): number => n.selfSize + n.children.reduce((a, c) => a + total(c), 0);
  return { bytes: total(profile.head), root: profile.head };
};
let long: { bytes: number; root: SampleNode };
if (scenario === 'login') {
  // The driver first logs every account of its pool in once, untimed (SCRAM cache), then runs
  // the logins asked for: both runs pay for the pool, the difference is the extra logins.
  const few = 200;
  const many = few + Number(opt.logins);
  const short = await measure(login(few));
  long = await measure(login(many));
  console.log(`allocated per login: ${((long.bytes - short.bytes) / (many - few)).toFixed(0)} bytes ` +
    `(${(long.bytes / 1048576).toFixed(1)} MiB with ${many} logins, ${(short.bytes / 1048576).toFixed(1)} MiB with ${few}, after ${LOGIN_USERS} untimed each)`);
} else {
  const secsShort = 2;
  const secsLong = secsShort + Number(opt.seconds);
  const short = await measure(chat(secsShort));
  long = await measure(chat(secsLong));
  const rate = Number(opt['messages-per-second']);
  // Each run sends at the fixed rate, then the one-step ramp at the same rate for 1 s.
  const extraMessages = rate * (secsLong - secsShort);
  console.log(`allocated per routed message: ${((long.bytes - short.bytes) / extraMessages).toFixed(0)} bytes ` +
    `(${(long.bytes / 1048576).toFixed(1)} MiB in the ${secsLong} s run, ${(short.bytes / 1048576).toFixed(1)} MiB in the ${secsShort} s run, ${rate} msg/s)`);
}

// Where the long run allocated, by function (self), in the server's and its packages' code.
const bySite = new Map<string, number>();
const walk = (n: SampleNode): void => {
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/(node_modules|src|lib)\//, '$1/')}:${cf.lineNumber + 1}`;
  bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
  for (const c of n.children) walk(c);
};
walk(long.root);
for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) {
  console.log(`${(v / 1048576).toFixed(1).padStart(7)} MiB ${((100 * v) / long.bytes).toFixed(1).padStart(5)} %  ${k}`);
}
session.disconnect();
await ts.stop();
