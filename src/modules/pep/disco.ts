// Service discovery of an account's personal nodes (XEP-0060 §5.2, §5.3; XEP-0163 §6.2): the
// nodes are items of the account, listed to each requester as far as it may subscribe to them
// or read them (the owner: all), and a node's info names it a leaf node. A node the requester
// may not see is left out, and its info is item-not-found, as for a node that does not exist.
import type { AccountItemsEvent, AccountNodeInfoEvent, ModuleApi } from '../../core/module-api.js';
import type { PubsubNode } from '../../storage/types.js';
import { StanzaError } from '../../xmpp/errors.js';
import type { Jid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { xml } from '../../xmpp/xml.js';
import type { PepOptions } from './options.js';
import type { PepService } from './service.js';

async function visible(svc: PepService, owner: Jid, requester: Jid, node: PubsubNode): Promise<boolean> {
  try {
    await svc.checkAccess(owner, requester, node);
    return true;
  } catch (err) {
    if (err instanceof StanzaError) return false;
    throw err;
  }
}

export function installDisco(api: ModuleApi<PepOptions>, svc: PepService): void {
  api.on('disco/account-items', async (ev: AccountItemsEvent) => {
    const { nodes } = await svc.state.nodes(ev.owner);
    // In the order the nodes were created: a stable list.
    for (const node of [...nodes.values()].sort((a, b) => a.created.getTime() - b.created.getTime())) {
      if (!(await visible(svc, ev.owner, ev.requester, node))) continue;
      const title = svc.settings(node).title;
      ev.items.push(title ? { jid: ev.owner.bare, node: node.node, name: title } : { jid: ev.owner.bare, node: node.node });
    }
  });
  api.on('disco/account-node-info', async (ev: AccountNodeInfoEvent) => {
    const node = await svc.node(ev.owner, ev.node);
    if (!node || !(await visible(svc, ev.owner, ev.requester, node))) return;
    ev.info = xml('query', { xmlns: NS.DISCO_INFO, node: ev.node },
      xml('identity', { category: 'pubsub', type: 'leaf' }),
      xml('feature', { var: NS.PUBSUB }));
  });
}
