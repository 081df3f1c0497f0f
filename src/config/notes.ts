// Settings that are valid one by one but do not work together as an admin would expect:
// said by check-config and logged as warnings at start, never refused.
import type { Config } from './types.js';

type Options = Record<string, unknown> | undefined;

export function configNotes(config: Config): string[] {
  const notes: string[] = [];
  if (config.fast.enabled && !config.sasl2.enabled) notes.push('fast.enabled has no effect while sasl2.enabled is false: FAST tokens are used through SASL2');
  for (const [host, h] of Object.entries(config.hosts)) {
    const modules: Record<string, Options> = h.modules ?? config.modules;
    const on = (name: string): boolean => name in modules;
    const option = (module: string, key: string): unknown => modules[module]?.[key];
    const where = h.modules === undefined ? 'modules' : `hosts.${host}.modules`;
    if (!on('pep')) {
      if (on('vcard') && option('vcard', 'avatar_conversion') !== false) {
        notes.push(`${host}: ${where}.vcard.avatar_conversion keeps vCard photos and PEP avatars in step, but the pep module is not enabled`);
      }
      if (on('private') && option('private', 'bookmarks_compat') !== false) {
        notes.push(`${host}: ${where}.private.bookmarks_compat keeps bookmarks in PEP, but the pep module is not enabled`);
      }
    }
    if (on('register')) {
      // Unset, in-band registration takes auth.scram_iterations itself.
      const iterations = option('register', 'scram_iterations') ?? config.auth.scram_iterations;
      if (iterations !== config.auth.scram_iterations) {
        notes.push(`${host}: ${where}.register.scram_iterations (${String(iterations)}) differs from auth.scram_iterations (${config.auth.scram_iterations}): passwords set in-band are hashed with other costs than those set with the CLI`);
      }
    }
  }
  return notes;
}
