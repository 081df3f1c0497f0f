// The IQ requests of XEP-0060 as a personal service answers them (XEP-0163): the <pubsub/>
// of 'http://jabber.org/protocol/pubsub' (publish, retract, items, create, subscribe,
// unsubscribe) and of '...#owner' (configure, default, delete, purge, affiliations), each to
// an account's bare JID. Only the account itself publishes and manages (XEP-0163 §2). Use
// cases not offered answer feature-not-implemented with the feature they need (§7.1.3.2).
import type { IqContext, ModuleApi } from '../../core/module-api.js';
import { StanzaError } from '../../xmpp/errors.js';
import { findForm, readForm, type DataForm } from '../../xmpp/dataform.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { pubsubError, unsupported } from './errors.js';
import { readPublication } from './items.js';
import type { LastItems } from './last.js';
import type { LegacyBookmarks } from './legacy.js';
import * as manage from './manage.js';
import { pubsubResult, type PepService } from './service.js';

interface Request {
  owner: Jid;
  from: Jid;
  action: Element;
  /** The element after the action (<publish-options/> or <configure/>), if any. */
  extra: Element | undefined;
  node: string | undefined;
}

/** The use cases not offered, by element, with the feature each needs (§16.2). */
const NOT_OFFERED: Readonly<Record<string, string>> = {
  options: 'subscription-options',
  subscriptions: 'retrieve-subscriptions',
  affiliations: 'retrieve-affiliations',
  default: 'retrieve-default-sub',
};

function parse(ctx: IqContext): Request {
  const children = ctx.payload.getChildElements();
  const action = children[0];
  if (!action) throw new StanzaError('bad-request', 'the pubsub element is empty');
  return { owner: ctx.to.toBare(), from: ctx.from, action, extra: children[1], node: action.attrs.node as string | undefined };
}

function ownerOnly(r: Request): void {
  // XEP-0163 §2 "one publisher per node", XEP-0060 §7.1.3.1 and §8: forbidden to anyone else.
  if (r.from.bare !== r.owner.bare) throw new StanzaError('forbidden', 'only the account owner may do this');
}

/** The data form inside <publish-options/> or <configure/> (§7.1.5, §8.1.3). */
function formIn(el: Element | undefined, formType: string): DataForm | undefined {
  const x = el ? findForm(el) : undefined;
  if (!x) return undefined;
  const form = readForm(x);
  if (form.formType !== formType && !(formType === NS.PUBSUB_NODE_CONFIG && form.formType === undefined)) {
    throw new StanzaError('bad-request', `the form must be of type ${formType}`);
  }
  return form;
}

function maxItems(attr: string | undefined): number | undefined {
  if (attr === undefined) return undefined;
  if (!/^\d{1,9}$/.test(attr) || Number(attr) < 1) throw new StanzaError('bad-request', 'max_items is a positive integer');
  return Number(attr);
}

export function installHandlers(api: ModuleApi<unknown>, svc: PepService, last: LastItems, legacy: LegacyBookmarks): void {
  const isLegacy = (node: string | undefined): boolean => node === NS.BOOKMARKS_LEGACY;
  /** Owner use cases of the legacy node act on the XEP-0402 node it stands for. */
  const real = (node: string | undefined): string | undefined => (isLegacy(node) ? NS.BOOKMARKS : node);

  const set = async (r: Request): Promise<Element | undefined> => {
    switch (r.action.name) {
      case 'publish': {
        ownerOnly(r);
        if (!r.node) throw pubsubError('bad-request', 'nodeid-required', 'name the node');
        const pub = readPublication(r.action, svc.api.options.max_payload_bytes);
        const options = r.extra?.name === 'publish-options' ? formIn(r.extra, NS.PUBSUB_PUBLISH_OPTIONS) : undefined;
        const id = isLegacy(r.node) ? await legacy.publish(r.owner, r.from, pub, options) : await svc.publish(r.owner, r.from, r.node, pub, options);
        return pubsubResult(xml('publish', { node: r.node }, xml('item', { id })));
      }
      case 'retract': {
        ownerOnly(r);
        if (!r.node) throw pubsubError('bad-request', 'nodeid-required', 'name the node');
        const ids = r.action.getChildren('item').map((i) => i.attrs.id as string | undefined);
        if (ids.length === 0 || ids.some((id) => !id)) throw pubsubError('bad-request', 'item-required', 'name the item to retract');
        const notify = r.action.attrs.notify as string | undefined;
        const flag = notify === 'true' || notify === '1' ? true : notify === 'false' || notify === '0' ? false : undefined;
        if (isLegacy(r.node)) await legacy.retract(r.owner, ids as string[]);
        else await svc.retract(r.owner, r.node, ids as string[], flag);
        return undefined;
      }
      case 'create':
        ownerOnly(r);
        await manage.createNode(svc, r.owner, real(r.node), r.extra?.name === 'configure' ? formIn(r.extra, NS.PUBSUB_NODE_CONFIG) : undefined);
        return undefined;
      case 'subscribe':
        return manage.subscribe(svc, last, r.owner, r.from, real(r.node), r.action.attrs.jid as string | undefined);
      case 'unsubscribe':
        await manage.unsubscribe(svc, r.owner, r.from, real(r.node), r.action.attrs.jid as string | undefined);
        return undefined;
      default:
        throw unsupported(NOT_OFFERED[r.action.name] ?? r.action.name);
    }
  };

  const get = async (r: Request): Promise<Element> => {
    if (r.action.name !== 'items') throw unsupported(NOT_OFFERED[r.action.name] ?? r.action.name);
    if (!r.node) throw pubsubError('bad-request', 'nodeid-required', 'name the node');
    if (isLegacy(r.node)) return pubsubResult(await legacy.items(r.owner, r.from));
    // §6.5.7-§6.5.8: particular items by id, or the newest max_items, or all.
    const ids = r.action.getChildren('item').map((i) => i.attrs.id as string | undefined).filter((id): id is string => !!id);
    const newest = maxItems(r.action.attrs.max_items as string | undefined);
    const select = ids.length > 0 ? { ids } : newest !== undefined ? { last: newest } : {};
    return pubsubResult(await svc.items(r.owner, r.from, r.node, select));
  };

  const ownerSet = async (r: Request): Promise<undefined> => {
    ownerOnly(r);
    const node = real(r.node);
    switch (r.action.name) {
      case 'configure': {
        const form = formIn(r.action, NS.PUBSUB_NODE_CONFIG);
        if (!form) throw new StanzaError('bad-request', 'submit a configuration form');
        await manage.configure(svc, r.owner, node, form);
        return undefined;
      }
      case 'delete':
        await manage.deleteNode(svc, r.owner, node);
        return undefined;
      case 'purge':
        await manage.purgeNode(svc, r.owner, node);
        return undefined;
      case 'affiliations':
        await manage.setAffiliations(svc, r.owner, node, r.action.getChildren('affiliation'));
        return undefined;
      default:
        throw unsupported(r.action.name === 'subscriptions' ? 'manage-subscriptions' : r.action.name);
    }
  };

  const ownerGet = async (r: Request): Promise<Element> => {
    ownerOnly(r);
    switch (r.action.name) {
      case 'configure':
        return manage.configuration(svc, r.owner, real(r.node));
      case 'default':
        return manage.defaults(svc);
      case 'affiliations':
        return manage.affiliations(svc, r.owner, real(r.node));
      default:
        throw unsupported(r.action.name === 'subscriptions' ? 'manage-subscriptions' : r.action.name);
    }
  };

  api.iq('set', NS.PUBSUB, 'pubsub', (ctx) => set(parse(ctx)), { to: ['bare'] });
  api.iq('get', NS.PUBSUB, 'pubsub', (ctx) => get(parse(ctx)), { to: ['bare'] });
  api.iq('set', NS.PUBSUB_OWNER, 'pubsub', (ctx) => ownerSet(parse(ctx)), { to: ['bare'] });
  api.iq('get', NS.PUBSUB_OWNER, 'pubsub', (ctx) => ownerGet(parse(ctx)), { to: ['bare'] });
}
