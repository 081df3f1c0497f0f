// kill -9 during heavy traffic, then a restart on the same data folder and database (SQLite in
// WAL mode; PostgreSQL too when the suites have one, see test/support/pg-cluster.ts): accounts
// and rosters are intact, a SQLite file passes its integrity check, and every message the server
// had acknowledged is delivered exactly once and in order. The sender uses stream management
// (XEP-0198): the server's <a h/> counts stanzas handled, and is only sent once buffered writes
// are durable. A ping result after message n acknowledges 1..n as well (a stream's stanzas are
// handled strictly in order); the test takes the higher of the two.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import xml, { type Element } from '@xmpp/xml';
import sqlite3 from 'sqlite3';
import { emptyPgDatabase } from '../support/pg.js';
import { RawClient } from '../support/raw-client.js';
import { listeningPort, spawnStarling, starling, tempDir, writeConfig, type Proc } from '../support/cli.js';

const PW = 'fault-secret-Granite3';
/** Messages between pings, and pings that may be unanswered at once (keeps traffic in flight). */
const BLOCK = 20;
const WINDOW = 4;
/**
 * Acknowledged messages to reach before the kill. With the in-flight ones, the total stays under
 * the default offline quota (500), so every message is stored rather than bounced.
 */
const KILL_AFTER = 300;
const MAX_MESSAGES = 460;
const NS_SM = 'urn:xmpp:sm:3';

/** Messages among the first `n` stanzas after the roster IQ: blocks of BLOCK messages and a ping. */
function messagesWithin(n: number): number {
  const blocks = Math.floor(n / (BLOCK + 1));
  return blocks * BLOCK + Math.min(BLOCK, n - blocks * (BLOCK + 1));
}

async function startServer(cfg: string, dir: string): Promise<{ proc: Proc; port: number; ca: string }> {
  const proc = spawnStarling(['start', '-c', cfg], { cwd: dir });
  await proc.waitFor('"msg":"server started"', 15_000);
  const ca = await readFile(join(dir, 'data', 'certs', 'localhost.crt'), 'utf8');
  return { proc, port: listeningPort(proc.stdout, 'c2s'), ca };
}

function integrityCheck(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.get('PRAGMA integrity_check', (e, row: Record<string, string> | undefined) => {
        db.close();
        if (e) reject(e);
        else resolve(Object.values(row ?? {})[0] ?? 'no answer');
      });
    });
  });
}

/**
 * The suite on SQLite, or on the PostgreSQL database at `pgUrl` (its schema made anew); pending
 * when `skip` (no database for the PostgreSQL suites).
 */
function killAndRestart(title: string, pgUrl?: string, skip = false): void {
  (skip ? describe.skip : describe)(title, function () {
    this.timeout(90_000);
    let dir: string;
    let cfg: string;
    let server: Proc | undefined;
    let bob: RawClient;
    const clients: RawClient[] = [];
    let acked = 0;
    let sent = 0;
    let bounced = 0;
    let smAcked = 0;

    before(async () => {
      if (pgUrl) await emptyPgDatabase(pgUrl);
      dir = await tempDir();
      cfg = await writeConfig(dir, 'starling.yaml', 0, pgUrl);
      for (const u of ['alice', 'bob']) {
        const r = await starling(['adduser', `${u}@localhost`, '-c', cfg], { cwd: dir, input: `${PW}\n` });
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(async () => {
      for (const c of clients) c.destroy();
      server?.kill();
      await rm(dir, { recursive: true, force: true });
    });

    it('alice adds bob and sends to offline bob until the server is killed', async () => {
      const s = await startServer(cfg, dir);
      server = s.proc;
      const alice = await RawClient.connect({ port: s.port, ca: s.ca });
      clients.push(alice);
      await alice.login('alice', PW, 'sender');
      alice.send(xml('enable', { xmlns: NS_SM }));
      const enabled = await alice.expect((e) => e.attrs.xmlns === NS_SM);
      assert.equal(enabled.name, 'enabled');
      const set = await alice.iq(xml('iq', { type: 'set', id: 'r1' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: 'bob@localhost', name: 'Bob' }))));
      assert.equal(set.attrs.type, 'result');

      // Pings p<n> follow message n; their results move `acked`. The sender stays WINDOW pings ahead.
      let outstanding = 0;
      const reader = (async (): Promise<void> => {
        for (;;) {
          const el = await alice.next(20_000).catch(() => undefined);
          if (!el) return;
          const id = el.attrs.id as string | undefined;
          if (el.name === 'iq' && id?.startsWith('p') && el.attrs.type === 'result') {
            acked = Math.max(acked, Number(id.slice(1)));
            outstanding--;
          }
          // h counts the roster IQ, every message and every ping before the answer.
          if (el.name === 'a' && el.attrs.xmlns === NS_SM) {
            const h = Number(el.attrs.h);
            smAcked = Math.max(smAcked, messagesWithin(h - 1));
          }
          if (el.name === 'message' && el.attrs.type === 'error') bounced++;
        }
      })();
      while (acked < KILL_AFTER && sent < MAX_MESSAGES) {
        if (outstanding >= WINDOW) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        for (let i = 0; i < BLOCK; i++) {
          sent++;
          alice.send(xml('message', { type: 'chat', to: 'bob@localhost', id: `m${sent}` }, xml('body', {}, `m${sent}`)));
        }
        alice.send(xml('iq', { type: 'get', to: 'localhost', id: `p${sent}` }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
        alice.send(xml('r', { xmlns: NS_SM }));
        outstanding++;
      }
      // More traffic in flight, then the kill.
      for (let i = 0; i < BLOCK * WINDOW; i++) {
        sent++;
        alice.send(xml('message', { type: 'chat', to: 'bob@localhost', id: `m${sent}` }, xml('body', {}, `m${sent}`)));
      }
      s.proc.child.kill('SIGKILL');
      const r = await s.proc.exit(10_000);
      assert.equal(r.signal, 'SIGKILL');
      await reader;
      assert.ok(smAcked >= KILL_AFTER - BLOCK * WINDOW, `stream management acknowledged ${smAcked}`);
      acked = Math.max(acked, smAcked);
      assert.ok(acked >= KILL_AFTER, `acknowledged ${acked} of ${sent}`);
      assert.ok(sent > acked, 'some messages were unacknowledged at the kill');
      assert.equal(bounced, 0, 'no message was refused (quota)');
    });

    it('after a restart bob gets every acknowledged message once, in order', async () => {
      const s = await startServer(cfg, dir);
      server = s.proc;
      bob = await RawClient.connect({ port: s.port, ca: s.ca });
      clients.push(bob);
      await bob.login('bob', PW, 'receiver');
      bob.send(xml('presence'));
      const got: number[] = [];
      // Offline messages come in order after the initial presence; read until the last
      // acknowledged one, then until a quiet second (anything after it was unacknowledged).
      while (!got.includes(acked)) {
        const el = await bob.next(10_000);
        assert.ok(el, `connection closed after ${got.length} messages`);
        const body = el.name === 'message' ? el.getChildText('body') : null;
        if (body?.startsWith('m')) got.push(Number(body.slice(1)));
      }
      for (;;) {
        const el = await bob.next(1_000).catch(() => undefined);
        if (!el) break;
        const body = el.name === 'message' ? el.getChildText('body') : null;
        if (body?.startsWith('m')) got.push(Number(body.slice(1)));
      }
      const ackedPart = got.filter((n) => n <= acked);
      assert.deepEqual(ackedPart, Array.from({ length: acked }, (_, i) => i + 1), 'messages 1..acked, each once, in order');
      assert.equal(new Set(got).size, got.length, 'no duplicates among the unacknowledged ones either');
      assert.ok(got.every((n) => n <= sent));
    });

    it(`the roster, both accounts and both archives survived${pgUrl || skip ? '' : ', and the database passes its integrity check'}`, async () => {
      const s = server!;
      const port = listeningPort(s.stdout, 'c2s');
      const ca = await readFile(join(dir, 'data', 'certs', 'localhost.crt'), 'utf8');
      const alice = await RawClient.connect({ port, ca });
      clients.push(alice);
      await alice.login('alice', PW);
      const roster = await alice.iq(xml('iq', { type: 'get', id: 'r2' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      const items = roster.getChild('query')!.getChildren('item').map((i: Element) => [i.attrs.jid, i.attrs.name]);
      assert.deepEqual(items, [['bob@localhost', 'Bob']]);
      // Every message acknowledged under stream management is in both archives (XEP-0313): the
      // server's <a/> waits for the batched archive writes.
      for (const [c, other] of [[alice, 'bob@localhost'], [bob, 'alice@localhost']] as const) {
        const id = `count-${other}`;
        c.send(xml('iq', { type: 'set', id }, xml('query', { xmlns: 'urn:xmpp:mam:2' },
          xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
            xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:xmpp:mam:2')),
            xml('field', { var: 'with' }, xml('value', {}, other))),
          xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, '0')))));
        const fin = await c.expect((e) => e.name === 'iq' && e.attrs.id === id);
        assert.equal(fin.attrs.type, 'result', fin.toString());
        const count = Number(fin.getChild('fin')?.getChild('set')?.getChildText('count'));
        assert.ok(count >= smAcked, `${c === alice ? 'alice' : 'bob'}'s archive holds ${count}, at least the ${smAcked} acknowledged`);
      }
      s.child.kill('SIGTERM');
      assert.equal((await s.exit(10_000)).code, 0);
      server = undefined;
      if (!pgUrl) assert.equal(await integrityCheck(join(dir, 'data', 'starling.sqlite')), 'ok');
    });
  });
}

killAndRestart('kill -9 under load, then restart: nothing acknowledged is lost');
const PG_URL = process.env.STARLING_TEST_PG_URL;
killAndRestart('on PostgreSQL: kill -9 under load, then restart: nothing acknowledged is lost', PG_URL, PG_URL === undefined);
