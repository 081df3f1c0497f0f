// Message archive benchmark: fills a SQLite archive through the knex storage (the server's own
// ArchiveStore, ids from the mam module's generator) and times typical XEP-0313 queries.
//
//   npm run bench:mam                      1,000,000 messages in one account's archive
//   npm run bench:mam -- --rows 200000     fewer rows
//   npm run bench:mam -- --file /tmp/a.db  keep the database (default: a temporary one, removed)
//
// Every query is timed RUNS times after one warm-up; the table gives the median and the worst.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKnexStorage } from '../src/storage/knex/index.js';
import { ArchiveIds, timeBound } from '../src/modules/mam/ids.js';
import type { ArchiveEntry, ArchiveStore, Credentials } from '../src/storage/types.js';

const HOST = 'bench.example';
const OWNER = 'alice';
const CONTACTS = 100;
const BATCH = 1000;
const RUNS = 30;
const DAY = 86_400_000;

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, file: { type: 'string' } } });
const ROWS = Number(args.rows);
if (!Number.isSafeInteger(ROWS) || ROWS < 1000) throw new Error('--rows must be an integer of at least 1000');

function credentials(): Credentials {
  const c = { salt: Buffer.alloc(16), iterations: 4096, storedKey: Buffer.alloc(32), serverKey: Buffer.alloc(32) };
  return { sha1: c, sha256: c };
}

const contact = (i: number): string => `contact${i % CONTACTS}@example.net`;

function stanza(i: number): string {
  const from = i % 2 === 0 ? `${contact(i)}/phone` : `${OWNER}@${HOST}/laptop`;
  const to = i % 2 === 0 ? `${OWNER}@${HOST}` : contact(i);
  return `<message xmlns="jabber:client" from="${from}" to="${to}" type="chat" id="m${i}"><body>Message number ${i}, about as long as a line of chat.</body></message>`;
}

interface Row {
  name: string;
  median: number;
  worst: number;
  results: number;
}

async function time(name: string, run: () => Promise<number>): Promise<Row> {
  await run();
  const samples: number[] = [];
  let results = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    results = await run();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { name, median: samples[Math.floor(samples.length / 2)]!, worst: samples[samples.length - 1]!, results };
}

async function fill(store: ArchiveStore, start: number): Promise<string[]> {
  const gen = new ArchiveIds();
  const ids: string[] = [];
  const span = 30 * DAY;
  for (let i = 0; i < ROWS; i += BATCH) {
    const batch: ArchiveEntry[] = [];
    for (let j = i; j < Math.min(ROWS, i + BATCH); j++) {
      const { id, at } = gen.next(start + Math.floor((j * span) / ROWS));
      ids.push(id);
      const w = contact(j);
      batch.push({ host: HOST, username: OWNER, id, at: new Date(at), with: w, withResource: j % 2 === 0 ? 'phone' : '', stanza: stanza(j) });
    }
    await store.append(batch);
    if ((i / BATCH) % 100 === 99) process.stderr.write(`  ${i + BATCH} rows\r`);
  }
  process.stderr.write('\n');
  return ids;
}

async function main(): Promise<void> {
  const dir = args.file ? undefined : await mkdtemp(join(tmpdir(), 'starling-bench-mam-'));
  const file = args.file ?? join(dir!, 'archive.sqlite');
  const storage = await createKnexStorage({ driver: 'sqlite', path: file });
  try {
    await storage.migrate();
    await storage.accounts.create(HOST, OWNER, credentials());
    const store = storage.archive;
    const start = Date.now() - 30 * DAY;
    const t0 = process.hrtime.bigint();
    const ids = await fill(store, start);
    const fillMs = Number(process.hrtime.bigint() - t0) / 1e6;

    const mid = ids[Math.floor(ROWS / 2)]!;
    const page = 50;
    const n = async (p: Promise<{ messages: unknown[] }>): Promise<number> => (await p).messages.length;
    const hourStart = start + 15 * DAY;
    const rows: Row[] = [
      await time('last page (empty <before/>)', () => n(store.query(HOST, OWNER, { limit: page, fromEnd: true }))),
      await time('first page', () => n(store.query(HOST, OWNER, { limit: page, fromEnd: false }))),
      await time('page after an id in the middle', () => n(store.query(HOST, OWNER, { after: mid, limit: page, fromEnd: false }))),
      await time('page before an id in the middle', () => n(store.query(HOST, OWNER, { before: mid, limit: page, fromEnd: true }))),
      await time('with a contact, last page', () => n(store.query(HOST, OWNER, { with: contact(7), limit: page, fromEnd: true }))),
      await time('with a contact, after an id in the middle', () => n(store.query(HOST, OWNER, { with: contact(7), after: mid, limit: page, fromEnd: false }))),
      await time('with a contact and resource, last page', () => n(store.query(HOST, OWNER, { with: contact(8), withResource: 'phone', limit: page, fromEnd: true }))),
      await time('start/end: one hour mid-archive', () => n(store.query(HOST, OWNER, { after: timeBound(hourStart), before: timeBound(hourStart + 3_600_000 + 1), limit: page, fromEnd: false }))),
      await time('start/end and with', () => n(store.query(HOST, OWNER, { with: contact(3), after: timeBound(hourStart), before: timeBound(hourStart + DAY + 1), limit: page, fromEnd: false }))),
      await time('ids: 3 single messages', () => n(store.query(HOST, OWNER, { ids: [ids[10]!, mid, ids[ROWS - 10]!], limit: page, fromEnd: false }))),
      await time('unknown-id check (item-not-found)', async () => (await store.missing(HOST, OWNER, [mid, 'no-such-id'])).length),
      await time('metadata (first and last)', async () => ((await store.bounds(HOST, OWNER)) ? 2 : 0)),
      await time('count with a contact (<max>0</max>)', () => store.count(HOST, OWNER, { with: contact(7) })),
    ];

    const wide = Math.max(...rows.map((r) => r.name.length));
    console.log(`\nArchive of ${ROWS.toLocaleString('en')} messages (SQLite ${file}): filled in ${(fillMs / 1000).toFixed(1)} s, ${Math.round(ROWS / (fillMs / 1000)).toLocaleString('en')} rows/s in batches of ${BATCH}\n`);
    console.log(`| ${'query'.padEnd(wide)} | median ms | worst ms | results |`);
    console.log(`|${'-'.repeat(wide + 2)}|-----------|----------|---------|`);
    for (const r of rows) console.log(`| ${r.name.padEnd(wide)} | ${r.median.toFixed(2).padStart(9)} | ${r.worst.toFixed(2).padStart(8)} | ${String(r.results).padStart(7)} |`);
    console.log(`\n${RUNS} runs per query after one warm-up; page size ${page}.`);
  } finally {
    await storage.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
