// XEP-0077: In-Band Registration, with a per-host policy: account creation before
// authentication (disabled, open, or by invitation token, given in the registration form or
// beforehand as XEP-0445 describes), password change and cancellation
// for logged-in accounts. Pre-authentication IQs arrive on the `iq/preauth` event.
import { defineModule } from '../../core/module-api.js';
import { xml } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';
import { registerOptions } from './options.js';
import { preauthHandler } from './preauth.js';
import { installAccountHandlers } from './account.js';
import { AddressThrottle } from './throttle.js';

export default defineModule({
  name: 'register',
  description: 'In-band registration, password change and account removal (XEP-0077)',
  specs: ['XEP-0077'],
  options: registerOptions,
  setup(api) {
    const { policy, throttle: limits } = api.options;
    const throttle = new AddressThrottle(limits.max_per_address, limits.window * 1000);
    // Refused attempts that probe for something (a taken username, a valid token) count too.
    const failures = new AddressThrottle(limits.max_failures_per_address, limits.window * 1000);
    api.setInterval(() => {
      throttle.prune(Date.now());
      failures.prune(Date.now());
    }, 60_000);
    // §8 Stream Feature: offered only where an unauthenticated client may register, and §11:
    // not on a stream without TLS, where registration is refused.
    if (policy !== 'disabled') api.addStreamFeature('preauth', xml('register', { xmlns: NS.REGISTER_FEATURE }), { tlsOnly: true });
    // XEP-0445: invitation tokens are also taken before registering, as invitation links ask.
    if (policy === 'invite') {
      for (const ns of [NS.IBR_TOKEN, NS.INVITE]) api.addStreamFeature('preauth', xml('register', { xmlns: ns }), { tlsOnly: true });
    }
    api.on('iq/preauth', preauthHandler(api, throttle, failures));
    installAccountHandlers(api);
  },
});
