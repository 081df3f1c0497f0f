// XEP-0199: XMPP Ping. The server answers pings to itself and to a local account's bare JID.
import { defineModule, z } from '../../core/module-api.js';
import { NS } from '../../xmpp/ns.js';

export default defineModule({
  name: 'ping',
  description: 'Answers XMPP pings (XEP-0199)',
  specs: ['XEP-0199'],
  options: z.strictObject({}),
  setup(api) {
    api.addFeature(NS.PING);
    api.iq('get', NS.PING, 'ping', () => undefined, { to: ['host', 'bare'] });
  },
});
