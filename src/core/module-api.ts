// The API a module gets (architecture guide, "A module"). Modules import this file, src/xmpp/
// and storage interfaces only. Everything registered through the API is recorded, so
// unloading a module reverses it.
import { z } from 'zod';
import type { Element } from '../xmpp/xml.js';
import type { Jid } from '../xmpp/jid.js';
import type { Logger } from '../util/log.js';
import type { Storage } from '../storage/types.js';
import type { ClientSession } from './session-types.js';
import type { EventMap, EventName, Handler } from './events.js';

export { z };
export { KeyedQueue } from '../util/keyed-queue.js';
export { unrefTimers, WriteBehind, type Schedule, type WriterOptions } from '../util/write-behind.js';
export { fillRandom } from '../util/random-id.js';
/** The resources core delivery gives a message for a bare JID (RFC 6121 §8.5.2.1.1). */
export { topResources } from './delivery.js';
export type { ClientSession };
export type { OutboundFilter, OutboundGate } from './session-types.js';
export type { AccountItemsEvent, AccountNodeInfoEvent, CapsEvent, DiscoItem, PepChangedEvent } from './stanza-events.js';

export type IqType = 'get' | 'set';
/** Which addresses an IQ handler answers for: the host itself or a local account's bare JID. */
export type IqTarget = 'host' | 'bare';

export interface IqContext {
  readonly stanza: Element;
  /** The single child element of the IQ. */
  readonly payload: Element;
  readonly from: Jid;
  readonly to: Jid;
  readonly origin: ClientSession | undefined;
}

/**
 * Returns the result payload (or nothing for an empty result), or throws a StanzaError.
 * Returning `false` declines, so the request goes on to service-unavailable.
 */
export type IqHandler = (ctx: IqContext) => Element | undefined | void | false | Promise<Element | undefined | void | false>;

export interface Identity {
  category: string;
  type: string;
  name?: string;
}

/** Where a disco feature or identity is shown: on the server's JID or on every account's JID. */
export type DiscoTarget = 'host' | 'account';

export interface DiscoInfo {
  identities: Identity[];
  features: string[];
}

/**
 * Where a stream feature is offered: 'preauth' beside the SASL mechanisms (e.g. in-band
 * registration), 'bound' after authentication beside bind (e.g. roster versioning).
 */
export type StreamFeatureStage = 'preauth' | 'bound';

/**
 * Handles a top-level element of a bound client stream that is not a stanza (a "nonza", e.g.
 * XEP-0352's <active/>), in stream order: the stream's next element waits for the promise.
 * Throwing a StreamError closes the stream.
 */
export type NonzaHandler = (session: ClientSession, element: Element) => void | Promise<void>;

export interface StreamFeatureOptions {
  /** Offered only on streams where TLS is in place (e.g. a feature that sends passwords). */
  tlsOnly?: boolean;
}

/**
 * Enables a feature for a new session as part of a Bind 2 request (XEP-0386), e.g. carbons or
 * an initial client state: called with the session, not yet registered nor announced, and an
 * element of the handler's namespace from the client's <bind/>. What it returns goes into
 * <bound/>. Throwing skips the feature (the bind itself goes on).
 */
export type Bind2FeatureHandler = (session: ClientSession, request: Element) => Element | undefined | void | Promise<Element | undefined | void>;

/**
 * Runs for every Bind 2 bind (XEP-0386 §"Performing the bind"), whatever the client asked for:
 * e.g. clearing offline messages the archive has, or the archive's metadata. Gets the new
 * session (not yet registered); what it returns goes into <bound/>. Throwing is logged only.
 */
export type Bind2Hook = (session: ClientSession) => Element | undefined | void | Promise<Element | undefined | void>;

export interface ModuleApi<O> {
  readonly name: string;
  /** The virtual host this instance serves. */
  readonly host: string;
  readonly options: O;
  readonly log: Logger;
  readonly storage: Storage;
  /**
   * The server: name, version, start time, and the PBKDF2 iterations of auth.scram_iterations
   * for a module that sets passwords (read when used: a reload may change it).
   */
  readonly server: { readonly name: string; readonly version: string; readonly startedAt: Date; readonly scramIterations: number };

  iq(type: IqType, ns: string, name: string, handler: IqHandler, opts?: { to?: IqTarget[] }): void;
  on<K extends EventName>(event: K, handler: Handler<K>, priority?: number): void;
  addFeature(feature: string, target?: DiscoTarget): void;
  addIdentity(identity: Identity, target?: DiscoTarget): void;
  discoInfo(target: DiscoTarget): DiscoInfo;
  /** Whether a module announces `feature` (cheap: for the message path, unlike discoInfo). */
  hasFeature(feature: string, target?: DiscoTarget): boolean;
  /** A feature offered on client streams at `stage`; serialised once, so not to be changed afterwards. */
  addStreamFeature(stage: StreamFeatureStage, feature: Element, opts?: StreamFeatureOptions): void;
  /** Claims the nonzas of a namespace on this host's bound client streams (one module each). */
  addNonzaHandler(ns: string, handler: NonzaHandler): void;
  /**
   * Offers a feature (its namespace) for inline enabling in Bind 2 requests (XEP-0386) and
   * handles the elements of that namespace in them (one module each).
   */
  addBind2Feature(ns: string, handler: Bind2FeatureHandler): void;
  /** Adds a step to every Bind 2 bind (see Bind2Hook). */
  onBind2(hook: Bind2Hook): void;

  /** Fires an event on this host without waiting (handler failures are logged). */
  emit<K extends EventName>(event: K, payload: EventMap[K]): void;
  /** Fires an event on this host and resolves once every handler is done (failures reject). */
  fire<K extends EventName>(event: K, payload: EventMap[K]): Promise<void>;

  /**
   * Routes a stanza as if sent by this host (its `from` must be set). Resolves when the
   * recipient's handlers are done, for a module that must order what it sends next.
   */
  send(stanza: Element): void | Promise<void>;
  /**
   * Sends an IQ get or set from this host's address (e.g. disco#info to a client) and resolves
   * with the answer, a result or an error stanza, from the addressee; rejects after `timeoutMs`.
   * The IQ's `from` and `id` are set here.
   */
  request(iq: Element, timeoutMs: number): Promise<Element>;
  /** The bound sessions of a local account. */
  sessionsOf(bare: Jid): readonly ClientSession[];
  /**
   * Notes that `sessions` got `stanza`, a message, or a copy of it (Message Carbons): should
   * another session of the account never acknowledge it (XEP-0198 §4), they are not given it
   * again (`message/undelivered` names them in `reached`).
   */
  noteReached(stanza: Element, sessions: readonly ClientSession[]): void;

  /**
   * Registers the flush of a write-behind buffer (e.g. batched archive writes). `flush` resolves
   * once everything accepted before the call is durable. Acknowledgements that promise
   * durability (XEP-0198 `<a/>`) and shutdown wait for every registered flush.
   */
  addFlusher(flush: () => Promise<void>): void;
  /**
   * Resolves once every write accepted so far by any module's write-behind buffer on this host
   * is durable: for a reader that must see another module's writes (e.g. whether the archive
   * holds a message).
   */
  flushWrites(): Promise<void>;

  setTimeout(fn: () => void, ms: number): void;
  setInterval(fn: () => void, ms: number): void;
  onUnload(fn: () => void | Promise<void>): void;
}

export interface ModuleDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** Specifications it implements, e.g. ['XEP-0199']. */
  specs: string[];
  /** Options schema; must reject unknown keys (use z.strictObject). */
  options: S;
  setup(api: ModuleApi<z.output<S>>): void | Promise<void>;
}

export function defineModule<S extends z.ZodType>(def: ModuleDefinition<S>): ModuleDefinition<S> {
  return def;
}
