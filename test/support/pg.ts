// For the integration suites that run a server on PostgreSQL: the test database as the server's
// first start expects to find it, without any of Starling's tables (every migration rolled back).
import { createKnexStorage } from '../../src/storage/knex/index.js';

export async function emptyPgDatabase(url: string): Promise<void> {
  const storage = await createKnexStorage({ driver: 'postgres', url, poolMax: 2 });
  try {
    await storage.rollbackAll();
  } finally {
    await storage.close();
  }
}
