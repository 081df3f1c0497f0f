// The PostgreSQL reader of the hot point reads (src/storage/knex/pg-read.ts): named prepared
// statements on the pooled connections, checked in the database's own view of the connection
// (pg_prepared_statements), against the knex.raw reader that prepares nothing. Needs
// STARLING_TEST_PG_URL (a disposable database, set by test/support/pg-cluster.ts), like the other
// PostgreSQL suites.
import { strict as assert } from 'node:assert';
import knexFactory, { type Knex } from 'knex';
import { knexReader } from '../../src/storage/knex/fast-read.js';
import { numberPlaceholders, pgReader } from '../../src/storage/knex/pg-read.js';

describe('PostgreSQL fast reads (pg-read.ts)', () => {
  it('numbers ? placeholders as $1, $2, ... in order', () => {
    assert.equal(numberPlaceholders('select a from t where x = ? and y = ? limit ?'), 'select a from t where x = $1 and y = $2 limit $3');
    assert.equal(numberPlaceholders('select 1'), 'select 1');
  });

  describe('against the database', function () {
    const url = process.env.STARLING_TEST_PG_URL;
    let db: Knex;
    before(function () {
      if (!url) this.skip();
      // One connection, so every query below runs on the connection the reads prepared on.
      db = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
    });
    after(async () => {
      await db?.destroy();
    });
    const prepared = async (): Promise<{ name: string; statement: string }[]> =>
      ((await db.raw("select name, statement from pg_prepared_statements where name like 'starling_read_%' order by name")) as { rows: { name: string; statement: string }[] }).rows;

    it('prepares each SQL text once per connection and returns the rows knex.raw returns', async () => {
      await db.raw('deallocate all');
      const reader = pgReader(db);
      const sql = 'select ?::int + ?::int as n, ?::text as s';
      const viaReader = await reader.all<{ n: number; s: string }>(sql, [1, 2, 'x']);
      const again = await reader.all<{ n: number; s: string }>(sql, [3, 4, 'y']);
      const other = await reader.all<{ big: string }>('select ?::bigint as big', [2 ** 40]);
      assert.deepEqual(viaReader, await knexReader(db).all(sql, [1, 2, 'x']));
      assert.deepEqual(again, [{ n: 7, s: 'y' }]);
      assert.deepEqual(other, [{ big: String(2 ** 40) }], 'bigint as the pg driver gives it (a string), as through knex.raw');
      assert.deepEqual((await prepared()).map((p) => p.statement).sort(), ['select $1::bigint as big', 'select $1::int + $2::int as n, $3::text as s']);
    });

    it('readers sharing a pool agree on names; a failed read gives its connection back', async () => {
      const reader = pgReader(db);
      await assert.rejects(reader.all('select 1 / ?::int as n', [0]), /division by zero/);
      // With a pool of one, a connection kept would make this wait for knex's acquire timeout.
      assert.deepEqual(await reader.all('select ?::int as n', [5]), [{ n: 5 }]);
      assert.deepEqual(await pgReader(db).all('select ?::int as n', [6]), [{ n: 6 }]);
    });

    it('the knex.raw reader (prepared_statements: false) prepares nothing', async () => {
      await db.raw('deallocate all');
      await knexReader(db).all('select ?::int as n', [1]);
      assert.deepEqual(await prepared(), []);
    });
  });
});
