// The migration list. A static import list instead of knex's directory scan, so the same code
// works from compiled lib/ (.js) and under tsx (.ts). Append new migrations; never renumber.
import type { Knex } from 'knex';
import * as m0001 from './0001_accounts.js';
import * as m0002 from './0002_kv.js';
import * as m0003 from './0003_roster.js';
import * as m0004 from './0004_offline.js';
import * as m0005 from './0005_blocklist.js';
import * as m0006 from './0006_invites.js';
import * as m0007 from './0007_archive.js';
import * as m0008 from './0008_pubsub.js';
import * as m0009 from './0009_fast_tokens.js';
import * as m0010 from './0010_push.js';
import * as m0011 from './0011_account_epoch.js';
import * as m0012 from './0012_account_deletions.js';
import * as m0013 from './0013_account_notes.js';
import * as m0014 from './0014_roster_contact_index.js';

interface NamedMigration {
  name: string;
  migration: Knex.Migration;
}

export const MIGRATIONS: readonly NamedMigration[] = [
  { name: '0001_accounts', migration: m0001 },
  { name: '0002_kv', migration: m0002 },
  { name: '0003_roster', migration: m0003 },
  { name: '0004_offline', migration: m0004 },
  { name: '0005_blocklist', migration: m0005 },
  { name: '0006_invites', migration: m0006 },
  { name: '0007_archive', migration: m0007 },
  { name: '0008_pubsub', migration: m0008 },
  { name: '0009_fast_tokens', migration: m0009 },
  { name: '0010_push', migration: m0010 },
  { name: '0011_account_epoch', migration: m0011 },
  { name: '0012_account_deletions', migration: m0012 },
  { name: '0013_account_notes', migration: m0013 },
  { name: '0014_roster_contact_index', migration: m0014 },
];

export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m.migration,
};
