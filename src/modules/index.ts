// The built-in modules, loaded on demand by name. A module is enabled per host in the config.
import type { ModuleDefinition } from '../core/module-api.js';

type Loader = () => Promise<ModuleDefinition>;

export const builtinModules: Readonly<Record<string, Loader>> = {
  disco: async () => (await import('./disco/index.js')).default,
  ping: async () => (await import('./ping/index.js')).default,
  version: async () => (await import('./version/index.js')).default,
  time: async () => (await import('./time/index.js')).default,
  blocking: async () => (await import('./blocking/index.js')).default,
  offline: async () => (await import('./offline/index.js')).default,
  presence: async () => (await import('./presence/index.js')).default,
  register: async () => (await import('./register/index.js')).default,
  vcard: async () => (await import('./vcard/index.js')).default,
  private: async () => (await import('./private/index.js')).default,
  last: async () => (await import('./last/index.js')).default,
  roster: async () => (await import('./roster/index.js')).default,
  carbons: async () => (await import('./carbons/index.js')).default,
  csi: async () => (await import('./csi/index.js')).default,
  caps: async () => (await import('./caps/index.js')).default,
  pep: async () => (await import('./pep/index.js')).default,
  mam: async () => (await import('./mam/index.js')).default,
  push: async () => (await import('./push/index.js')).default,
};
