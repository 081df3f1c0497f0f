// What the server's log shows of the PostgreSQL client (src/storage/knex/index.ts): knex's own
// messages as structured lines, never console text. Needs STARLING_TEST_PG_URL (a disposable
// database, set by test/support/pg-cluster.ts), like the other PostgreSQL suites.
import { strict as assert } from 'node:assert';
import knexFactory from 'knex';
import { createKnexStorage } from '../../src/storage/knex/index.js';
import { createLogger } from '../../src/util/log.js';

describe('PostgreSQL client messages in the log', function () {
  const url = process.env.STARLING_TEST_PG_URL;
  before(function () {
    if (!url) this.skip();
  });

  it('a pooled connection the database ends is reported in the server\'s log, and the next read gets a new one', async function () {
    const lines: { level: string; msg: string; detail?: string }[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(JSON.parse(l) as { level: string; msg: string; detail?: string }) });
    const s = await createKnexStorage({ driver: 'postgres', url: url ?? '', poolMax: 1 }, log);
    const admin = knexFactory({ client: 'pg', connection: url });
    try {
      await s.rollbackAll();
      await s.migrate();
      assert.equal(await s.accounts.get('example.org', 'nobody'), undefined);
      // the one pooled connection, ended from outside as a database restart would
      await admin.raw("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and application_name = ''");
      await new Promise((r) => setTimeout(r, 200)); // the client sees its connection end
      // knex finds the ended connection when the pool hands it out next, says so, and opens another
      assert.equal(await s.accounts.get('example.org', 'nobody'), undefined, 'read again on a new connection');
      const warning = lines.find((l) => l.msg === 'storage: database client warning');
      assert.ok(warning, 'knex\'s warning went to the server\'s log');
      assert.equal(warning.level, 'warn');
      assert.match(warning.detail ?? '', /Connection Error/);
    } finally {
      await admin.destroy();
      await s.close();
    }
  });
});
