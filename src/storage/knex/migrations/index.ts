// The migration list. A static import list instead of knex's directory scan, so the same code
// works from compiled lib/ (.js) and under tsx (.ts). Append new migrations; never renumber.
import type { Knex } from 'knex';
import * as m0001 from './0001_accounts.js';
import * as m0002 from './0002_kv.js';

interface NamedMigration {
  name: string;
  migration: Knex.Migration;
}

export const MIGRATIONS: readonly NamedMigration[] = [
  { name: '0001_accounts', migration: m0001 },
  { name: '0002_kv', migration: m0002 },
];

export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m.migration,
};
