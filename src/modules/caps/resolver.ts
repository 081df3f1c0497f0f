// XEP-0115 §5.4 and §6.3: from a caps annotation to the entity's features. A verification
// string seen before is answered from the cache (memory, then storage); otherwise the entity
// is asked with disco#info and the answer is hashed: only a matching answer is cached, for
// everyone. An unsupported hash function gets the entity's own answer, cached for nobody.
import type { ModuleApi } from '../../core/module-api.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { parseStored, standalone } from '../../xmpp/stored.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { featuresOf, isSupportedHash, verificationString, type CapsAnnotation } from './hash.js';

export type Features = ReadonlySet<string>;

export const NO_FEATURES: Features = new Set<string>();
/** New capability strings one entity may have the server look up during its session. */
const LOOKUPS_PER_ENTITY = 8;
/** Entities whose lookups are counted (least recently active forgotten first). */
const ASKED_TRACKED = 100_000;
/**
 * The stored cache of verified strings (caps_cache), bounded: at most this many strings, each
 * answer at most this large. Real clients' answers are a few KiB and a server meets hundreds
 * of strings; an account making up feature sets, session after session, cannot fill the disk.
 */
const MAX_STORED_STRINGS = 10_000;
const MAX_STORED_INFO_BYTES = 16_384;

export interface ResolverOptions {
  /** Verification strings kept in memory. */
  cacheSize: number;
  /** How long to wait for a client's disco#info answer, in milliseconds. */
  timeoutMs: number;
}

export class CapsResolver {
  /** Verified strings in least-recently-used order (a Map keeps insertion order). */
  private readonly memory = new Map<string, Features>();
  /** Lookups under way, so entities announcing the same string share one disco#info. */
  private readonly inFlight = new Map<string, Promise<Features | undefined>>();
  /** disco#info requests made per entity (full JID), most recent last. */
  private readonly asked = new Map<string, number>();

  constructor(private readonly api: ModuleApi<unknown>, private readonly opts: ResolverOptions) {}

  /** The features the annotation stands for; empty when they cannot be learnt or verified. */
  async resolve(jid: Jid, caps: CapsAnnotation): Promise<Features> {
    // §5.4 step 1: without a hash the 'ver' is the legacy format, which is not supported.
    if (caps.hash === '') return NO_FEATURES;
    if (!isSupportedHash(caps.hash)) return this.mayAsk(jid) ? ((await this.ask(jid, caps))?.features ?? NO_FEATURES) : NO_FEATURES;
    const known = await this.cached(caps);
    if (known) return known;
    const key = `${caps.hash} ${caps.ver}`;
    const shared = this.inFlight.get(key);
    if (shared) {
      const got = await shared;
      if (got) return got;
      // §5.4 step 3.9: the other entity's answer did not match; ask this one.
    }
    if (!this.mayAsk(jid)) return NO_FEATURES;
    const lookup = this.verify(jid, caps);
    this.inFlight.set(key, lookup);
    try {
      return (await lookup) ?? NO_FEATURES;
    } finally {
      if (this.inFlight.get(key) === lookup) this.inFlight.delete(key);
    }
  }

  /**
   * Every verified string is kept for good, so one entity may make the server ask (and store)
   * only so many new ones: a client inventing feature sets cannot fill the cache.
   */
  private mayAsk(jid: Jid): boolean {
    const n = (this.asked.get(jid.full) ?? 0) + 1;
    this.asked.delete(jid.full);
    this.asked.set(jid.full, n);
    while (this.asked.size > ASKED_TRACKED) this.asked.delete(this.asked.keys().next().value!);
    if (n === LOOKUPS_PER_ENTITY + 1) this.api.log.warn('caps: too many new capability strings from one entity, ignoring more', { jid: jid.full });
    return n <= LOOKUPS_PER_ENTITY;
  }

  /** The entity's session ended: its count starts again with the next one. */
  forget(jid: Jid): void {
    this.asked.delete(jid.full);
  }

  private remember(key: string, features: Features): void {
    this.memory.delete(key);
    this.memory.set(key, features);
    while (this.memory.size > this.opts.cacheSize) this.memory.delete(this.memory.keys().next().value!);
  }

  private async cached(caps: CapsAnnotation): Promise<Features | undefined> {
    const key = `${caps.hash} ${caps.ver}`;
    const hit = this.memory.get(key);
    if (hit) {
      this.remember(key, hit);
      return hit;
    }
    const stored = await this.api.storage.caps.get(caps.hash, caps.ver);
    const query = stored === undefined ? undefined : parseStored(stored);
    if (!query) return undefined;
    const features = featuresOf(query);
    this.remember(key, features);
    return features;
  }

  /** Asks the entity and checks its answer against the verification string (§5.4 step 3). */
  private async verify(jid: Jid, caps: CapsAnnotation): Promise<Features | undefined> {
    const answer = await this.ask(jid, caps);
    if (!answer) return undefined;
    if (verificationString(caps.hash, answer.query) !== caps.ver) {
      // A client's mistake, nothing for the admin to act on: Profanity 0.13 makes it at every
      // login (its first presence carries the string of an older feature set).
      this.api.log.debug('caps: disco#info does not match its verification string', { jid: jid.full, hash: caps.hash, ver: caps.ver });
      return undefined;
    }
    const info = standalone(answer.query);
    delete info.attrs.node;
    // Kept for everyone only within bounds (real clients' answers are a few KiB); a larger or
    // later one still serves this entity now.
    const text = info.toString();
    if (Buffer.byteLength(text, 'utf8') <= MAX_STORED_INFO_BYTES) await this.api.storage.caps.put(caps.hash, caps.ver, text, MAX_STORED_STRINGS);
    this.remember(`${caps.hash} ${caps.ver}`, answer.features);
    return answer.features;
  }

  /** §6.2: disco#info to the entity's exact JID, with node 'node#ver'. */
  private async ask(jid: Jid, caps: CapsAnnotation): Promise<{ query: Element; features: Features } | undefined> {
    const iq = xml('iq', { type: 'get', to: jid.full }, xml('query', { xmlns: NS.DISCO_INFO, node: `${caps.node}#${caps.ver}` }));
    let answer: Element;
    try {
      answer = await this.api.request(iq, this.opts.timeoutMs);
    } catch (err) {
      this.api.log.debug('caps: no disco#info answer', { jid: jid.full, err });
      return undefined;
    }
    const query = answer.attrs.type === 'result' ? answer.getChild('query', NS.DISCO_INFO) : undefined;
    if (!query) return undefined;
    return { query, features: featuresOf(query) };
  }
}
