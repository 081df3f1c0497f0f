// What each part of the storage contract gets: the store of the running test.
import type { Storage } from '../../../src/storage/types.js';

export interface ContractContext {
  /** The fresh, migrated store of the current test. */
  store(): Storage;
  readonly H: string;
  readonly H2: string;
}
