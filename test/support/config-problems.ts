// Helpers of the configuration loader's tests: parse a text as starling.yaml and read the
// problems a ConfigError carries.
import assert from 'node:assert/strict';
import { ConfigError, parseConfig, type Env } from '../../src/config/loader.js';

export const NO_ENV: Env = {};
export const MIN = 'hosts:\n  localhost: {}\n';

export const parse = (text: string, env: Env = NO_ENV) => parseConfig(text, 'starling.yaml', env);

/** The problems a ConfigError carries for `text`. */
export function problems(text: string, env: Env = NO_ENV): string[] {
  try {
    parse(text, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.message, err.problems.join('\n'));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

export async function problemsAsync(run: () => Promise<unknown>): Promise<string[]> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}
