// Fuzzing the whole server over real sockets: a logged-in client sends mutated valid stanzas
// (or a fresh connection a mutated pre-authentication stream) cut into random chunks, and then
// the server must still answer a logged-in bystander's ping, must not have logged an error or
// sent internal-server-error, and must answer an unmutated stream normally. Each worker has a
// bystander of its own, so pings never race.
import type { Element } from '@xmpp/xml';
import { createLogger } from '../src/util/log.js';
import { RawClient } from '../test/support/raw-client.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { PREAUTH_STREAMS, clientStanzas } from './corpus.js';
import { chunk, mutate } from './mutate.js';
import { Rng } from './rng.js';
import { mutateTree, parseStanzas } from './tree-mutate.js';

const PASSWORD = 'fuzz-password';
const MARKER = "<iq type='get' id='fz-end' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>";
/** How long a client gets to be answered (or closed) after its input; most need far less. */
const SETTLE_MS = 250;

export interface ServerFuzzOptions {
  /** Concurrent fuzz clients, each with its own bystander. */
  workers: number;
}

/** Resolves true when `match` arrives, false when the connection closes or `ms` pass. */
async function arrives(c: RawClient, match: (el: Element) => boolean, ms: number): Promise<boolean> {
  try {
    await c.expect(match, ms);
    return true;
  } catch {
    return false;
  }
}

interface Bystander {
  client: RawClient;
  jid: string;
}

export class ServerFuzzer {
  private constructor(
    private readonly ts: TestServer,
    private readonly ca: string,
    private readonly bystanders: Bystander[],
    /** Error and fatal lines the server logged since the last iteration that looked. */
    private readonly logged: string[],
  ) {}

  /** How iterations ended: a stream error condition, 'answered' or 'silent' (input cut short). */
  readonly outcomes = new Map<string, number>();

  private count(c: RawClient, answered: boolean): void {
    const cond = /<stream:error><([a-z-]+)/.exec(c.received)?.[1];
    const key = cond ?? (answered ? 'answered' : 'silent');
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  static async start(opts: ServerFuzzOptions): Promise<ServerFuzzer> {
    const logged: string[] = [];
    const log = createLogger({ level: 'error', format: 'json', write: (line) => logged.push(line) });
    const ts = await startTestServer((c) => {
      c.limits.max_stanza_bytes = 16384;
      c.limits.max_connections_per_address = 0;
      c.limits.max_resources_per_account = 0;
      c.limits.read_rate_bytes_per_second = 0;
      c.limits.unauthenticated_read_rate_bytes_per_second = 0;
      c.limits.unauthenticated_timeout = 10;
      c.auth.max_failures_per_account = 1_000_000;
      c.auth.max_failures_per_address = 1_000_000;
    }, { log });
    const ca = await ts.ca();
    await ts.addUser('bystander@localhost', PASSWORD);
    await ts.addUser('fuzz@localhost', PASSWORD);
    const bystanders: Bystander[] = [];
    for (let i = 0; i < opts.workers; i++) {
      const client = await RawClient.connect({ port: ts.c2sPort, ca });
      bystanders.push({ client, jid: await client.login('bystander', PASSWORD, `w${i}`) });
    }
    return new ServerFuzzer(ts, ca, bystanders, logged);
  }

  get workers(): number {
    return this.bystanders.length;
  }

  /** One iteration on worker `w`; resolves with the problem found, or undefined. */
  async iteration(w: number, seed: number): Promise<string | undefined> {
    const { client: bystander, jid } = this.bystanders[w]!;
    if (bystander.isClosed) return 'the bystander was disconnected';
    const rng = new Rng(seed);
    const c = await RawClient.connect({ port: this.ts.c2sPort, ca: this.ca });
    try {
      const problem = rng.chance(0.2) ? await this.preauth(rng, c) : await this.loggedIn(rng, c, seed, jid);
      if (problem) return problem;
      // Whatever happened, the server still serves others.
      bystander.write(`<iq type='get' id='by${seed}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
      if (!(await arrives(bystander, (e) => e.name === 'iq' && e.attrs.id === `by${seed}` && e.attrs.type === 'result', 5000))) {
        return 'the server stopped answering the bystander';
      }
      bystander.received = '';
      if (/internal-server-error/.test(c.received)) return 'internal-server-error sent to the fuzz client';
      if (this.logged.length > 0) return `the server logged an error: ${this.logged.splice(0).join(' | ').slice(0, 400)}`;
      return undefined;
    } finally {
      c.destroy();
    }
  }

  private async loggedIn(rng: Rng, c: RawClient, seed: number, other: string): Promise<string | undefined> {
    let self: string;
    try {
      self = await c.login('fuzz', PASSWORD, `r${seed}`);
    } catch (err) {
      return `the fuzz client could not log in: ${(err as Error).message}`;
    }
    const corpus = clientStanzas(self, other);
    const picked = Array.from({ length: rng.range(1, 6) }, () => rng.pick(corpus));
    const mode = rng.int(10);
    const pristine = mode === 0;
    let payload: Buffer;
    if (pristine) payload = Buffer.from(picked.join(''), 'utf8');
    else if (mode <= 5) {
      // Well-formed but strange stanzas, for the router and the modules.
      const trees = parseStanzas(picked.filter((s) => s.trim() !== ''));
      payload = Buffer.from(trees.map((t) => (rng.chance(0.7) ? mutateTree(rng, t, trees) : t.toString())).join(''), 'utf8');
    } else {
      payload = mutate(rng, Buffer.from(picked.join(''), 'utf8'), corpus.map((s) => Buffer.from(s, 'utf8')));
    }
    await this.send(rng, c, payload);
    c.write(MARKER);
    const answered = await arrives(c, (e) => e.name === 'iq' && e.attrs.id === 'fz-end', pristine ? 5000 : SETTLE_MS);
    this.count(c, answered);
    if (pristine && (!answered || /stream:error/.test(c.received))) return `an unmutated stream was not served: ${c.received.slice(-300)}`;
    return undefined;
  }

  private async preauth(rng: Rng, c: RawClient): Promise<string | undefined> {
    const buffers = PREAUTH_STREAMS.map((s) => Buffer.from(s, 'utf8'));
    await this.send(rng, c, mutate(rng, rng.pick(buffers), buffers));
    this.count(c, await arrives(c, (e) => e.name === 'stream:features', SETTLE_MS) && !(await arrives(c, (e) => e.name === 'stream:error', SETTLE_MS)));
    return undefined;
  }

  private async send(rng: Rng, c: RawClient, payload: Buffer): Promise<void> {
    for (const piece of chunk(rng, payload)) {
      if (c.isClosed) return;
      c.write(piece);
      if (rng.chance(0.1)) await new Promise((r) => setImmediate(r));
    }
  }

  async stop(): Promise<void> {
    for (const b of this.bystanders) b.client.destroy();
    await this.ts.stop();
  }
}
