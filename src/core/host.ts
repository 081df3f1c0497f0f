// A virtual host (or, later, a hosted service): a routing target with its own event bus,
// IQ handler table, disco registry and modules.
import type { Logger } from '../util/log.js';
import { EventBus } from './events.js';
import { Reach } from './reach.js';
import type { Element } from '../xmpp/xml.js';
import { serialize } from '../xmpp/serialize.js';
import type {
  Bind2FeatureHandler, Bind2Hook, DiscoInfo, DiscoTarget, Identity, IqHandler, IqTarget, IqType, NonzaHandler, StreamFeatureOptions, StreamFeatureStage,
} from './module-api.js';

export class Host {
  readonly events: EventBus;
  /** Messages that reached more than one session of this host's accounts (reach.ts). */
  readonly reach = new Reach();
  private readonly iqHandlers = new Map<string, IqHandler>();
  private readonly features: Record<DiscoTarget, Map<string, number>> = { host: new Map(), account: new Map() };
  private readonly identities: Record<DiscoTarget, Identity[]> = { host: [], account: [] };
  private readonly features_: Record<StreamFeatureStage, { el: Element; tlsOnly: boolean }[]> = { preauth: [], bound: [] };
  /** streamFeaturesText by stage and TLS; emptied when a feature is added or removed. */
  private readonly featureTexts = new Map<string, string>();
  private readonly flushers = new Set<() => Promise<void>>();
  private readonly nonzas = new Map<string, NonzaHandler>();
  private readonly bind2 = new Map<string, Bind2FeatureHandler>();
  private readonly bind2Hooks = new Set<Bind2Hook>();

  constructor(readonly name: string, readonly log: Logger) {
    this.events = new EventBus(log);
  }

  private static iqKey(target: IqTarget, type: IqType, ns: string, name: string): string {
    return `${target} ${type} ${ns} ${name}`;
  }

  addIq(target: IqTarget, type: IqType, ns: string, name: string, handler: IqHandler): () => void {
    const key = Host.iqKey(target, type, ns, name);
    if (this.iqHandlers.has(key)) throw new Error(`an IQ handler for ${type} {${ns}}${name} (${target}) exists already`);
    this.iqHandlers.set(key, handler);
    return () => this.iqHandlers.delete(key);
  }

  iqHandler(target: IqTarget, type: IqType, ns: string, name: string): IqHandler | undefined {
    return this.iqHandlers.get(Host.iqKey(target, type, ns, name));
  }

  /** Features are reference-counted so two modules may announce the same one. */
  addFeature(feature: string, target: DiscoTarget): () => void {
    const m = this.features[target];
    m.set(feature, (m.get(feature) ?? 0) + 1);
    return () => {
      const n = (m.get(feature) ?? 1) - 1;
      if (n <= 0) m.delete(feature);
      else m.set(feature, n);
    };
  }

  addIdentity(identity: Identity, target: DiscoTarget): () => void {
    const list = this.identities[target];
    list.push(identity);
    return () => {
      const i = list.indexOf(identity);
      if (i !== -1) list.splice(i, 1);
    };
  }

  /** Adds a stream feature offered at a negotiation stage (RFC 6120 §4.3.2). */
  addStreamFeature(stage: StreamFeatureStage, feature: Element, opts: StreamFeatureOptions = {}): () => void {
    const list = this.features_[stage];
    const entry = { el: feature, tlsOnly: opts.tlsOnly === true };
    list.push(entry);
    this.featureTexts.clear();
    return () => {
      const i = list.indexOf(entry);
      if (i !== -1) list.splice(i, 1);
      this.featureTexts.clear();
    };
  }

  /** The features of a stage for a stream with TLS in place (`secure`) or not. */
  streamFeatures(stage: StreamFeatureStage, secure = true): Element[] {
    return this.features_[stage].filter((f) => secure || !f.tlsOnly).map((f) => f.el);
  }

  /**
   * streamFeatures serialised, kept until the set changes: offered on every stream, they are
   * serialised once. A module must not change a feature element after adding it.
   */
  streamFeaturesText(stage: StreamFeatureStage, secure = true): string {
    const key = `${stage}${secure ? '+tls' : ''}`;
    let text = this.featureTexts.get(key);
    if (text === undefined) {
      text = this.streamFeatures(stage, secure).map((el) => serialize(el)).join('');
      this.featureTexts.set(key, text);
    }
    return text;
  }

  /** Claims the top-level non-stanza elements of a namespace on bound client streams. */
  addNonzaHandler(ns: string, handler: NonzaHandler): () => void {
    if (this.nonzas.has(ns)) throw new Error(`a handler for elements in ${ns} exists already`);
    this.nonzas.set(ns, handler);
    return () => this.nonzas.delete(ns);
  }

  nonzaHandler(ns: string): NonzaHandler | undefined {
    return this.nonzas.get(ns);
  }

  /** Offers a feature for inline enabling in Bind 2 requests (XEP-0386) and handles it. */
  addBind2Feature(ns: string, handler: Bind2FeatureHandler): () => void {
    if (this.bind2.has(ns)) throw new Error(`a Bind 2 handler for ${ns} exists already`);
    this.bind2.set(ns, handler);
    return () => this.bind2.delete(ns);
  }

  bind2Handler(ns: string): Bind2FeatureHandler | undefined {
    return this.bind2.get(ns);
  }

  /** Runs for every Bind 2 bind, requested or not (XEP-0386 §"Performing the bind"). */
  addBind2Hook(hook: Bind2Hook): () => void {
    this.bind2Hooks.add(hook);
    return () => this.bind2Hooks.delete(hook);
  }

  bind2HookList(): Bind2Hook[] {
    return [...this.bind2Hooks];
  }

  /** Namespaces of the Bind 2 inline features modules offer, in the order they were added. */
  bind2Features(): string[] {
    return [...this.bind2.keys()];
  }

  /** Registers a write-behind buffer's flush (see ModuleApi.addFlusher). */
  addFlusher(flush: () => Promise<void>): () => void {
    this.flushers.add(flush);
    return () => this.flushers.delete(flush);
  }

  /**
   * Resolves once every write accepted so far by a write-behind buffer on this host is durable.
   * Acknowledgements to clients (stream management) and shutdown wait on this.
   */
  async flushWrites(): Promise<void> {
    if (this.flushers.size === 0) return;
    await Promise.all([...this.flushers].map((f) => f()));
  }

  hasFeature(feature: string, target: DiscoTarget): boolean {
    return this.features[target].has(feature);
  }

  discoInfo(target: DiscoTarget): DiscoInfo {
    return {
      identities: [...this.identities[target]],
      features: [...this.features[target].keys()].sort(),
    };
  }
}
