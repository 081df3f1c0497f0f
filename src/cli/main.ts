// bin/starling: start | check-config | adduser | passwd | deluser | listusers | invite.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { CliError, EXIT, openStorage, resolveConfig } from './common.js';
import { defaultConfig, loadConfig } from '../config/loader.js';
import { configNotes } from '../config/notes.js';
import { readPassword } from './prompt.js';
import { INVITE_HELP, INVITE_OPTIONS, INVITE_USAGE, inviteRequest, runInvite } from './invite.js';
import { AccountError, changePassword, createAccount, deleteAccount, parseAccountJid } from '../core/accounts.js';
import { modulesOff, planModules } from '../core/module-loader.js';
import { StartupError } from '../core/startup-error.js';
import { loadConfiguredCert } from '../core/certificates.js';
import type { Storage } from '../storage/types.js';
import type { Config } from '../config/types.js';
import { tuneV8ForServer } from '../util/v8-tuning.js';
import { SERVER_NAME, serverVersion } from '../core/version.js';

const USAGE = `Usage: starling <command> [options]

Commands:
  start                    run the server in the foreground
  check-config             validate the configuration and exit
  adduser <user@host>      create an account (asks for the password)
  passwd <user@host>       change an account's password (asks for it)
  deluser <user@host>      delete an account and all of its data
  listusers [host]         list the accounts of one host or of all hosts
${INVITE_USAGE}

Options:
  -c, --config <file>      configuration file (default: $STARLING_CONFIG, else
                           config/starling.yaml if it exists, else built-in
                           defaults serving localhost)
  -p, --password <pw>      password for adduser/passwd (visible to other local
                           users in the process list: prefer the prompt, or
                           pipe it on standard input)
  -h, --help               show help for a command
  -V, --version            print the version and exit

Exit codes: 0 success, 1 the operation failed, 2 usage error, 78 configuration error.`;

const HELP: Record<string, string> = {
  start: 'Usage: starling start [-c FILE]\n\nRuns the server in the foreground until SIGINT or SIGTERM. Logs go to standard output.\nSIGHUP reloads the configuration file (certificates, limits, auth and log settings, module\noptions) without dropping sessions; a broken file is reported in the log and ignored.',
  'check-config': 'Usage: starling check-config [-c FILE]\n\nValidates the configuration, including every module\'s options and the configured certificates\n(readable, the key matching; a warning when one has expired, expires within 14 days or does\nnot name its host), and prints the problems found with file:line. Exits 0 when it is valid,\n78 otherwise.',
  adduser: 'Usage: starling adduser <user@host> [-c FILE] [-p PASSWORD]\n\nCreates an account. Without -p the password is asked twice on a terminal, or read as one line from standard input.',
  passwd: 'Usage: starling passwd <user@host> [-c FILE] [-p PASSWORD]\n\nSets a new password for an existing account. A running server ends, within a second,\nthe sessions that logged in with the old one, and the account\'s FAST tokens no longer work.',
  deluser: 'Usage: starling deluser <user@host> [-c FILE]\n\nDeletes an account and everything stored for it.',
  listusers: 'Usage: starling listusers [host] [-c FILE]\n\nLists the accounts of a host (or of every host), one address per line.',
  invite: INVITE_HELP,
};

/** Runs `fn` on the command's storage (openStorage); a database made for it is named on stderr. */
async function withStorage<T>(config: Config, mayCreate: boolean, fn: (s: Storage) => Promise<T>): Promise<T> {
  const { storage, made } = await openStorage(config, mayCreate);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
    if (made !== undefined) process.stderr.write(`starling: note: made a new database at ${made}\n`);
  }
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        password: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        ...INVITE_OPTIONS,
      },
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`, EXIT.USAGE);
  }
  const [command, ...rest] = parsed.positionals;
  const { values } = parsed;
  if (values.version && !command) {
    process.stdout.write(`${SERVER_NAME} ${serverVersion()}\n`);
    return EXIT.OK;
  }
  if (!command) {
    process.stdout.write(USAGE + '\n');
    return values.help ? EXIT.OK : EXIT.USAGE;
  }
  if (command === 'help') {
    process.stdout.write((HELP[rest[0] ?? ''] ?? USAGE) + '\n');
    return EXIT.OK;
  }
  const help = HELP[command];
  if (!help) throw new CliError(`unknown command '${command}'\n\n${USAGE}`, EXIT.USAGE);
  if (values.help) {
    process.stdout.write(help + '\n');
    return EXIT.OK;
  }
  const invite = command === 'invite' ? inviteRequest(values, rest) : undefined;
  const needsJid = command === 'adduser' || command === 'passwd' || command === 'deluser';
  const maxArgs = needsJid || command === 'listusers' ? 1 : 0;
  if (!invite && ((needsJid && rest.length !== 1) || rest.length > maxArgs)) throw new CliError(`wrong arguments\n\n${help}`, EXIT.USAGE);
  for (const opt of Object.keys(INVITE_OPTIONS) as (keyof typeof INVITE_OPTIONS)[]) {
    if (values[opt] !== undefined && !invite) throw new CliError(`--${opt} does not apply to ${command}`, EXIT.USAGE);
  }
  if (values.password !== undefined && command !== 'adduser' && command !== 'passwd') {
    throw new CliError(`--password does not apply to ${command}`, EXIT.USAGE);
  }

  const loaded = await resolveConfig(values.config);
  const { config } = loaded;
  const hosts = Object.keys(config.hosts);

  switch (command) {
    case 'start': {
      tuneV8ForServer();
      const { runServer } = await import('../main.js');
      // SIGHUP reads the same file again (resolved now, so a later chdir cannot change it).
      const file = loaded.file === undefined ? undefined : resolve(loaded.file);
      await runServer(loaded, async () => (file === undefined ? { config: defaultConfig(), locate: () => 'built-in defaults' } : loadConfig(file)));
      return -1; // keep running
    }
    case 'check-config': {
      const { plan, problems } = await planModules(config, loaded.locate);
      // Configured certificates as a start would load them; generated ones are made at start.
      for (const [domain, h] of Object.entries(config.hosts)) {
        if (!h.tls.cert || !h.tls.key) continue;
        try {
          const { warnings } = await loadConfiguredCert(domain, h.tls.cert, h.tls.key);
          for (const w of warnings) process.stderr.write(`starling: warning: ${w}\n`);
        } catch (err) {
          if (!(err instanceof StartupError)) throw err;
          problems.push(...err.problems);
        }
      }
      if (problems.length) throw new CliError(problems.join('\n'), EXIT.CONFIG);
      for (const note of configNotes(config)) process.stderr.write(`starling: note: ${note}\n`);
      process.stdout.write(`${loaded.file ?? 'built-in defaults'}: configuration is valid (hosts: ${hosts.join(', ')})\n`);
      for (const [host, list] of plan) {
        const off = modulesOff(list.map((m) => m.def.name));
        if (off.length > 0) process.stdout.write(`${host}: modules not enabled: ${off.join(', ')} (a modules section lists every module wanted)\n`);
      }
      return EXIT.OK;
    }
    case 'adduser':
    case 'passwd': {
      const jid = parseAccountJid(rest[0]!, hosts);
      await withStorage(config, command === 'adduser', async (s) => {
        // Said before the password is asked for, not after it was typed twice.
        const exists = (await s.accounts.get(jid.domain, jid.local)) !== undefined;
        if (command === 'adduser' && exists) throw new AccountError(`the account ${jid.bare} exists already`);
        if (command === 'passwd' && !exists) throw new AccountError(`there is no account ${jid.bare}`);
        const password = values.password ?? (await readPassword(true));
        await (command === 'adduser'
          ? createAccount(s, jid, password, config.auth.scram_iterations)
          : changePassword(s, jid, password, config.auth.scram_iterations));
      });
      process.stdout.write(command === 'adduser' ? `created ${jid.bare}\n` : `password changed for ${jid.bare}\n`);
      return EXIT.OK;
    }
    case 'deluser': {
      const jid = parseAccountJid(rest[0]!, hosts);
      await withStorage(config, false, (s) => deleteAccount(s, jid));
      process.stdout.write(`deleted ${jid.bare}\n`);
      return EXIT.OK;
    }
    case 'listusers': {
      const which = rest[0]?.toLowerCase();
      if (which !== undefined && !hosts.includes(which)) throw new CliError(`'${rest[0]}' is not a host of this server (configured: ${hosts.join(', ')})`);
      const lines = await withStorage(config, false, async (s) => {
        const out: string[] = [];
        for (const h of which ? [which] : hosts) for (const u of await s.accounts.list(h)) out.push(`${u}@${h}`);
        return out;
      });
      if (lines.length) process.stdout.write(lines.join('\n') + '\n');
      return EXIT.OK;
    }
    case 'invite': {
      const lines = await runInvite(invite!, config, (mayCreate) => openStorage(config, mayCreate), (l) => process.stderr.write(l + '\n'));
      if (lines.length) process.stdout.write(lines.join('\n') + '\n');
      return EXIT.OK;
    }
  }
  return EXIT.USAGE;
}

export async function main(argv: string[]): Promise<void> {
  try {
    const code = await run(argv);
    if (code >= 0) process.exitCode = code;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`starling: ${err.message}\n`);
      process.exitCode = err.code;
    } else if (err instanceof AccountError) {
      process.stderr.write(`starling: ${err.message}\n`);
      process.exitCode = EXIT.FAILED;
    } else if (err instanceof StartupError) {
      process.stderr.write(`starling: cannot start:\n${err.message}\n`);
      process.exitCode = EXIT.CONFIG;
    } else {
      process.stderr.write(`starling: ${(err as Error).message ?? String(err)}\n`);
      process.exitCode = EXIT.FAILED;
    }
  }
}
