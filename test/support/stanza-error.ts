// The stanza error condition a synchronous rule throws, for unit tests of pure module rules.
import { StanzaError } from '../../src/xmpp/errors.js';

/** The condition of the StanzaError `fn` throws, or undefined when it throws none. */
export function thrownCondition(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof StanzaError) return err.condition;
    throw err;
  }
  return undefined;
}
