// Owner and subscriber use cases of a personal node (XEP-0060 §6.1-§6.2, §8.1-§8.5, §8.9):
// create, configure, default configuration, delete, purge, affiliations, subscribe and
// unsubscribe. The caller has checked who is the owner where the XEP requires it.
import type { PubsubAffiliation, PubsubNodeConfig } from '../../storage/types.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { DataForm } from '../../xmpp/dataform.js';
import { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { applyConfig, BadValue, configForm, itemsKept, settings } from './config.js';
import { pubsubError, unsupported } from './errors.js';
import { eventElement } from './items.js';
import type { LastItems } from './last.js';
import { checkNodeName, type PepService } from './service.js';

/** §8.2.5: a configuration the node cannot take. */
function readConfig(form: DataForm, base: PubsubNodeConfig, svc: PepService): PubsubNodeConfig {
  if (form.formType !== undefined && form.formType !== NS.PUBSUB_NODE_CONFIG) throw new StanzaError('bad-request', `the form must be ${NS.PUBSUB_NODE_CONFIG}`);
  try {
    return applyConfig(form, base, svc.limits);
  } catch (err) {
    if (!(err instanceof BadValue)) throw err;
    // §8.1.2: an access model the service does not offer.
    throw pubsubError('not-acceptable', err.accessModel ? 'unsupported-access-model' : undefined, err.message);
  }
}

/** §8.1.2-§8.1.3: creates a node, configured by the form when one is given. */
export async function createNode(svc: PepService, owner: Jid, name: string | undefined, form: DataForm | undefined): Promise<void> {
  // §8.1.1: instant nodes (no NodeID) are not offered.
  if (name === undefined || name === '') throw pubsubError('not-acceptable', 'nodeid-required', 'name the node');
  checkNodeName(name);
  const config = form && form.type !== 'cancel' ? readConfig(form, {}, svc) : {};
  await svc.serialized(owner, () => svc.create(owner, name, config));
}

const ownerResult = (...children: Element[]): Element => xml('pubsub', { xmlns: NS.PUBSUB_OWNER }, ...children);

/** §8.2.2: the configuration form with the values in force. */
export async function configuration(svc: PepService, owner: Jid, name: string | undefined): Promise<Element> {
  checkNodeName(name);
  const node = await svc.requireNode(owner, name);
  return ownerResult(xml('configure', { node: name }, configForm(svc.settings(node))));
}

/** §8.3: the default configuration. */
export function defaults(svc: PepService): Element {
  return ownerResult(xml('default', {}, configForm(settings({}, svc.limits))));
}

/** §8.2.4: applies a submitted configuration (a cancelled form changes nothing). */
export async function configure(svc: PepService, owner: Jid, name: string | undefined, form: DataForm): Promise<void> {
  checkNodeName(name);
  if (form.type === 'cancel') return;
  if (form.type !== 'submit') throw new StanzaError('bad-request', 'submit the configuration form');
  await svc.serialized(owner, async () => {
    const node = await svc.requireNode(owner, name);
    const config = readConfig(form, node.config, svc);
    await svc.api.storage.pubsub.updateNode(owner.domain, owner.local, name, { config });
    svc.state.nodesChanged(owner);
    // A node that now keeps fewer items drops the oldest at once.
    const kept = itemsKept(settings(config, svc.limits));
    const items = await svc.api.storage.pubsub.items(owner.domain, owner.local, name);
    if (items.length > kept) {
      const gone = await svc.api.storage.pubsub.retract(owner.domain, owner.local, name, items.slice(0, items.length - kept).map((i) => i.id));
      await svc.changed(owner, { ...node, config }, { published: [], retracted: gone, cleared: false }, undefined, false);
    }
  });
}

/** §8.4: deletes the node, telling its audience first computed (notify_delete). */
export async function deleteNode(svc: PepService, owner: Jid, name: string | undefined): Promise<void> {
  checkNodeName(name);
  await svc.serialized(owner, async () => {
    const node = await svc.requireNode(owner, name);
    const s = svc.settings(node);
    const targets = s.notify_delete && s.deliver_notifications ? await svc.notifier.recipients(owner, node, s) : [];
    await svc.api.storage.pubsub.deleteNode(owner.domain, owner.local, name);
    await svc.subscribed.forget(owner, name);
    svc.state.nodesChanged(owner);
    svc.api.emit('pep/changed', { owner, node: name, published: [], retracted: [], cleared: true, by: 'pep' });
    svc.notifier.send(owner, targets, eventElement(name, { kind: 'delete' }));
    svc.onChange(owner, name);
  });
}

/** §8.5: removes every item; one <purge/> notification (§8.5.2). */
export async function purgeNode(svc: PepService, owner: Jid, name: string | undefined): Promise<void> {
  checkNodeName(name);
  await svc.serialized(owner, async () => {
    const node = await svc.requireNode(owner, name);
    await svc.api.storage.pubsub.purge(owner.domain, owner.local, name);
    await svc.changed(owner, node, { published: [], retracted: [], cleared: true });
  });
}

/** §8.9.1: the affiliations of a node, the owner's included. */
export async function affiliations(svc: PepService, owner: Jid, name: string | undefined): Promise<Element> {
  checkNodeName(name);
  const node = await svc.requireNode(owner, name);
  const list = [xml('affiliation', { jid: owner.bare, affiliation: 'owner' })];
  for (const [jid, affiliation] of Object.entries(node.affiliations).sort(([a], [b]) => (a < b ? -1 : 1))) list.push(xml('affiliation', { jid, affiliation }));
  return ownerResult(xml('affiliations', { node: name }, ...list));
}

/** §8.9.2: changes affiliations (a delta): member and outcast are offered, 'none' removes. */
export async function setAffiliations(svc: PepService, owner: Jid, name: string | undefined, entries: Element[]): Promise<void> {
  checkNodeName(name);
  const delta = new Map<string, PubsubAffiliation | 'none'>();
  for (const e of entries) {
    const jid = Jid.tryParse(e.attrs.jid as string | undefined);
    const affiliation = e.attrs.affiliation as string | undefined;
    if (!jid) throw new StanzaError('jid-malformed', 'each affiliation needs a valid jid');
    if (affiliation === undefined) continue; // §8.9.2.1: no value, no change
    // §8.9.2.4: the only owner cannot give up ownership.
    if (jid.bare === owner.bare) throw new StanzaError('not-acceptable', 'the owner of a personal node stays its owner');
    if (affiliation !== 'member' && affiliation !== 'outcast' && affiliation !== 'none') throw unsupported(`${affiliation}-affiliation`);
    delta.set(jid.bare, affiliation);
  }
  await svc.serialized(owner, async () => {
    const node = await svc.requireNode(owner, name);
    const next: Record<string, PubsubAffiliation> = { ...node.affiliations };
    for (const [jid, a] of delta) {
      if (a === 'none') delete next[jid];
      else next[jid] = a;
    }
    await svc.api.storage.pubsub.updateNode(owner.domain, owner.local, name, { affiliations: next });
    svc.state.nodesChanged(owner);
  });
}

/** §6.1: an explicit subscription, then the last item (§6.1.7). */
export async function subscribe(svc: PepService, last: LastItems, owner: Jid, requester: Jid, name: string | undefined, jidAttr: string | undefined): Promise<Element> {
  checkNodeName(name);
  const jid = subscriberJid(requester, jidAttr);
  const node = await svc.requireNode(owner, name);
  await svc.checkAccess(owner, requester, node);
  // §6.1.3.13: a local policy bounds what one request after another may make the node hold.
  const subscribers = await svc.api.storage.pubsub.subscribers(owner.domain, owner.local, name);
  if (!subscribers.includes(jid.full)) {
    const { max_subscriptions_per_node: perNode, max_subscriptions_per_subscriber: perSubscriber } = svc.api.options;
    const own = subscribers.filter((s) => s === jid.bare || s.startsWith(`${jid.bare}/`)).length;
    if (subscribers.length >= perNode || own >= perSubscriber) {
      throw pubsubError('policy-violation', 'too-many-subscriptions', 'this node holds as many subscriptions as it may', 'wait');
    }
  }
  await svc.api.storage.pubsub.subscribe(owner.domain, owner.local, name, jid.full);
  await svc.subscribed.add(owner, name, jid.full);
  await last.send(owner, jid, [name], 'subscription');
  return xml('pubsub', { xmlns: NS.PUBSUB }, xml('subscription', { node: name, jid: jid.full, subscription: 'subscribed' }));
}

/** §6.2: ends an explicit subscription. */
export async function unsubscribe(svc: PepService, owner: Jid, requester: Jid, name: string | undefined, jidAttr: string | undefined): Promise<void> {
  checkNodeName(name);
  const jid = Jid.tryParse(jidAttr);
  if (!jid) throw pubsubError('bad-request', 'invalid-jid', 'name the subscribed jid');
  // §6.2.3.3: only the subscriber itself.
  if (jid.bare !== requester.bare) throw new StanzaError('forbidden', 'only the subscriber can unsubscribe');
  await svc.requireNode(owner, name);
  if (!(await svc.api.storage.pubsub.unsubscribe(owner.domain, owner.local, name, jid.full))) {
    throw pubsubError('unexpected-request', 'not-subscribed', 'that jid is not subscribed', 'cancel');
  }
  await svc.subscribed.remove(owner, name, jid.full);
}

/** §6.1.3.1: the subscribed JID must be the requester's. */
function subscriberJid(requester: Jid, attr: string | undefined): Jid {
  const jid = Jid.tryParse(attr);
  if (!jid || jid.bare !== requester.bare) throw pubsubError('bad-request', 'invalid-jid', 'subscribe your own jid');
  return jid;
}
