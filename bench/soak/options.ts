// Command-line options of the soak test (see docs/soak.md), with their defaults and bounds.
import { parseArgs } from 'node:util';

export interface SoakOptions {
  /** Sessions held at once (one account each). */
  sessions: number;
  /** Seconds of load after every session has logged in. */
  seconds: number;
  /** Messages per second over all sessions. */
  rate: number;
  /** Share of the accounts that have contacts. */
  withContacts: number;
  /** Mutual (both) subscriptions of each account that has contacts. */
  contacts: number;
  /** Share of the online sessions that disconnect each second (and come back later). */
  churn: number;
  /** Seconds a churned account stays offline: a random value in [min, max]. */
  offlineMin: number;
  offlineMax: number;
  /** Share of the messages sent to an account that is offline (stored, delivered at next login). */
  offlineShare: number;
  /** Logins in flight at once while the sessions are brought up. */
  loginConcurrency: number;
  /** Allowed RSS growth over the second half of the load, in percent. */
  rssGrowth: number;
  build: boolean;
  /** A disposable PostgreSQL database to store in instead of SQLite (its tables are dropped first). */
  postgres?: string;
  /** Keep the temporary folder (config, database, server log, probe samples). */
  keep: boolean;
  quiet: boolean;
}

const USAGE = `Usage: npm run soak -- [options]

  --sessions N          sessions held at once (default 2000)
  --minutes M           minutes of load after the logins (default 3); or --seconds S
  --quick               30 s of load (same sessions and rate unless given)
  --rate R              messages per second over all sessions (default 500)
  --with-contacts F     share of accounts with contacts, 0..1 (default 0.5)
  --contacts K          mutual subscriptions per such account, even (default 4)
  --churn F             share of online sessions that disconnect per second (default 0.005)
  --offline-min S       least seconds a churned account stays offline (default 3)
  --offline-max S       most seconds a churned account stays offline (default 10)
  --offline-share F     share of messages sent to offline accounts (default 0.05)
  --login-concurrency N logins in flight during the ramp-up (default 100)
  --rss-growth P        allowed RSS growth over the second half of the load, % (default 10)
  --postgres URL        store in this PostgreSQL database instead of SQLite; it must be a
                        disposable one: its tables are dropped and created again
  --no-build            skip 'npm run build'
  --keep                keep the temporary folder (server log, probe samples, database)
  --quiet               no progress lines`;

function num(values: Record<string, string | boolean | undefined>, key: string, def: number, min: number, max: number, integer = false): number {
  const raw = values[key];
  if (raw === undefined || typeof raw === 'boolean') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(`--${key}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** Parses argv; throws an Error with the usage on a bad option. Returns undefined for --help. */
export function parseOptions(argv: string[]): SoakOptions | undefined {
  const str = { type: 'string' } as const;
  const flag = { type: 'boolean' } as const;
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sessions: str, minutes: str, seconds: str, quick: flag, rate: str, 'with-contacts': str, contacts: str,
        churn: str, 'offline-min': str, 'offline-max': str, 'offline-share': str, 'login-concurrency': str,
        'rss-growth': str, postgres: str, 'no-build': flag, keep: flag, quiet: flag, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return undefined;
  }
  if (values.minutes !== undefined && values.seconds !== undefined) throw new Error('give --minutes or --seconds, not both');
  const seconds = values.seconds !== undefined
    ? num(values, 'seconds', 180, 10, 86_400)
    : values.minutes !== undefined ? num(values, 'minutes', 3, 0.2, 1440) * 60 : values.quick ? 30 : 180;
  const opts: SoakOptions = {
    sessions: num(values, 'sessions', 2000, 10, 60_000, true),
    seconds: Math.round(seconds),
    rate: num(values, 'rate', 500, 1, 100_000),
    withContacts: num(values, 'with-contacts', 0.5, 0, 1),
    contacts: num(values, 'contacts', 4, 0, 100, true),
    churn: num(values, 'churn', 0.005, 0, 0.2),
    offlineMin: num(values, 'offline-min', 3, 2, 3600),
    offlineMax: num(values, 'offline-max', 10, 2, 3600),
    offlineShare: num(values, 'offline-share', 0.05, 0, 1),
    loginConcurrency: num(values, 'login-concurrency', 100, 1, 10_000, true),
    rssGrowth: num(values, 'rss-growth', 10, 0, 1000),
    build: !values['no-build'],
    ...(values.postgres !== undefined ? { postgres: values.postgres } : {}),
    keep: values.keep ?? false,
    quiet: values.quiet ?? false,
  };
  if (opts.contacts % 2 !== 0) throw new Error('--contacts: expected an even number (contacts are neighbours on a ring)');
  if (opts.offlineMax < opts.offlineMin) throw new Error('--offline-max must not be less than --offline-min');
  if (opts.postgres !== undefined && !/^postgres(ql)?:\/\//.test(opts.postgres)) throw new Error(`--postgres: expected a postgres:// URL, got '${opts.postgres}'`);
  return opts;
}
