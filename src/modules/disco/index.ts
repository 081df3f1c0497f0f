// XEP-0030: Service Discovery for the server and for accounts. The server answers disco on an
// account's bare JID on the account's behalf (§8): its info to the account itself and to those
// it lets see its presence (a 'from' or 'both' subscription), service-unavailable to anyone
// else; its items, and the info of its nodes, as the modules that offer them decide
// ('disco/account-items', 'disco/account-node-info'). The server's info carries the admin's contact addresses
// (XEP-0157) as an extended info form (XEP-0128).
import { defineModule, z } from '../../core/module-api.js';
import { xml, type Element } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { Jid } from '../../xmpp/jid.js';
import type { DiscoInfo, DiscoItem } from '../../core/module-api.js';
import { contactForm, contactOption } from './contact.js';
import { hasFrom } from '../../xmpp/subscription.js';

function itemAttrs(item: DiscoItem): Record<string, string> {
  const attrs: Record<string, string> = { jid: item.jid };
  if (item.node !== undefined) attrs.node = item.node;
  if (item.name !== undefined) attrs.name = item.name;
  return attrs;
}

function infoElement(info: DiscoInfo, node: string | undefined): Element {
  const q = xml('query', node ? { xmlns: NS.DISCO_INFO, node } : { xmlns: NS.DISCO_INFO });
  for (const id of info.identities) {
    q.append(xml('identity', id.name ? { category: id.category, type: id.type, name: id.name } : { category: id.category, type: id.type }));
  }
  for (const f of info.features) q.append(xml('feature', { var: f }));
  return q;
}

export default defineModule({
  name: 'disco',
  description: 'Service discovery for the server and accounts (XEP-0030)',
  specs: ['XEP-0030', 'XEP-0128', 'XEP-0157'],
  options: z.strictObject({
    /** Name shown for the server's identity. */
    name: z.string().min(1).max(100).default('Starling'),
    /** Contact addresses (URIs) by role: abuse, admin, feedback, sales, security, status, support. */
    contact: contactOption,
  }),
  setup(api) {
    for (const target of ['host', 'account'] as const) {
      api.addFeature(NS.DISCO_INFO, target);
      api.addFeature(NS.DISCO_ITEMS, target);
    }
    api.addIdentity({ category: 'server', type: 'im', name: api.options.name }, 'host');
    api.addIdentity({ category: 'account', type: 'registered' }, 'account');
    const contacts = contactForm(api.options.contact);

    api.iq('get', NS.DISCO_INFO, 'query', ({ payload }) => {
      const node = payload.attrs.node as string | undefined;
      if (node) throw new StanzaError('item-not-found');
      const info = infoElement(api.discoInfo('host'), undefined);
      if (contacts) info.append(contacts);
      return info;
    });
    api.iq('get', NS.DISCO_ITEMS, 'query', ({ payload }) => {
      if (payload.attrs.node) throw new StanzaError('item-not-found');
      return xml('query', { xmlns: NS.DISCO_ITEMS });
    });

    /** §8: the account itself, or a contact it lets see its presence. */
    const maySeePresence = async (from: Jid, to: Jid): Promise<boolean> => {
      if (from.bare === to.bare) return true;
      return hasFrom((await api.storage.roster.getItem(api.host, to.local, from.bare))?.subscription);
    };
    api.iq('get', NS.DISCO_INFO, 'query', async ({ payload, from, to }) => {
      const node = payload.attrs.node as string | undefined;
      if (node) {
        // A node of the account (a PEP node, XEP-0060 §5.3): the module that has it answers, for
        // those it lets see it; for anyone else it does not exist.
        const ev = { owner: to.toBare(), requester: from, node, info: undefined as Element | undefined };
        await api.fire('disco/account-node-info', ev);
        if (!ev.info) throw new StanzaError('item-not-found');
        return ev.info;
      }
      if (!(await maySeePresence(from, to))) throw new StanzaError('service-unavailable');
      return infoElement(api.discoInfo('account'), undefined);
    }, { to: ['bare'] });
    // §8: the account's available resources are not listed; what modules offer on it is, to
    // whoever they let see it (PEP nodes, XEP-0163 §6.2).
    api.iq('get', NS.DISCO_ITEMS, 'query', async ({ payload, from, to }) => {
      if (payload.attrs.node) throw new StanzaError('item-not-found');
      const ev = { owner: to.toBare(), requester: from, items: [] as DiscoItem[] };
      await api.fire('disco/account-items', ev);
      const q = xml('query', { xmlns: NS.DISCO_ITEMS });
      for (const item of ev.items) q.append(xml('item', itemAttrs(item)));
      return q;
    }, { to: ['bare'] });
  },
});
