// Building blocks of the configuration schema (schema.ts): typed options with a default, bounds,
// a one-line doc and an error message an admin can act on.
import { z } from 'zod';

const MAX_PATH_CHARS = 4096;

/** An integer option. `zero` documents what 0 means when 0 is allowed as a special value. */
export function int(min: number, max: number, def: number, doc: string, zero?: string) {
  const expected = `expected an integer from ${min}${zero ? ` (${zero})` : ''} to ${max}`;
  return z
    .number({ error: expected })
    .int({ error: expected })
    .min(min, { error: expected })
    .max(max, { error: expected })
    .default(def)
    .describe(doc);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, def: T[number], doc: string) {
  return z
    .enum(values, { error: `expected one of: ${values.join(', ')}` })
    .default(def as never)
    .describe(doc);
}

export function bool(def: boolean, doc: string) {
  return z.boolean({ error: 'expected true or false' }).default(def).describe(doc);
}

/** A non-empty text value such as a file path or URL. */
export function text(what = 'a text value') {
  return z
    .string({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}, not an empty string` })
    .max(MAX_PATH_CHARS, { error: `expected ${what} of at most ${MAX_PATH_CHARS} characters` });
}

/**
 * A strict mapping whose keys all have defaults. A missing or empty (`key:` with nothing after
 * it) section means "all defaults", which is what an admin who commented out every line meant.
 */
export function section<S extends z.ZodRawShape>(shape: S, doc: string) {
  return z.preprocess((value) => value ?? {}, strict(shape)).describe(doc);
}

/** A mapping that rejects unknown keys, naming the keys it knows. */
export function strict<S extends z.ZodRawShape>(shape: S) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown key (expected one of: ${keys})` : `expected a mapping with the keys: ${keys}`,
  });
}
