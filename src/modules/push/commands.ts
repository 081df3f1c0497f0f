// The account owner's commands (XEP-0357 §5, §6): <enable/> and <disable/> in an IQ set to the
// user's own bare JID. Registrations are stored, so they survive restarts; the session that
// sent <enable/> is remembered as the device's, so the device is not notified while connected.
import { StanzaError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import type { IqContext } from '../../core/module-api.js';
import { parseDisable, parseEnable } from './rules.js';
import { registrationKey } from './state.js';
import type { NotifierDeps } from './notify.js';

/** Registrations belong to the account: only its own resources may change them. */
function ownOnly({ from, to }: IqContext): void {
  if (from.bare !== to.bare) throw new StanzaError('forbidden', 'push notifications are enabled by the account itself');
}

export function installCommands(d: NotifierDeps): void {
  const { api } = d;

  api.iq('set', NS.PUSH, 'enable', async (ctx) => {
    ownOnly(ctx);
    const reg = parseEnable(ctx.payload);
    const account = ctx.to;
    const outcome = await api.storage.push.enable(account.domain, account.local, reg, api.options.max_registrations);
    if (outcome === 'limit') {
      throw new StanzaError('resource-constraint', `an account has at most ${api.options.max_registrations} push registrations`, 'cancel');
    }
    d.registrations.forget(account.local);
    const key = registrationKey(reg);
    d.bursts.resetRegistration(account.local, key);
    if (ctx.origin) {
      let keys = d.devices.get(ctx.origin);
      if (!keys) d.devices.set(ctx.origin, (keys = new Set()));
      keys.add(key);
    }
    api.log.debug('push enabled', { account: account.bare, service: reg.jid, outcome });
    return undefined;
  }, { to: ['bare'] });

  // §6: removing what is not there is no error; the registration is gone either way.
  api.iq('set', NS.PUSH, 'disable', async (ctx) => {
    ownOnly(ctx);
    const { jid, node } = parseDisable(ctx.payload);
    const account = ctx.to;
    const removed = await api.storage.push.disable(account.domain, account.local, jid, node);
    d.registrations.forget(account.local);
    api.log.debug('push disabled', { account: account.bare, service: jid, removed });
    return undefined;
  }, { to: ['bare'] });
}
