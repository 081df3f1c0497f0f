// XEP-0092: Software Version. Reports the server's name and version; the operating system only
// when the admin opts in, since it helps attackers more than users.
import { type as osType, release } from 'node:os';
import { defineModule, z } from '../../core/module-api.js';
import { xml } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';

export default defineModule({
  name: 'version',
  description: 'Answers software version queries (XEP-0092)',
  specs: ['XEP-0092'],
  options: z.strictObject({
    /** Include the operating system in replies. */
    show_os: z.boolean().default(false),
  }),
  setup(api) {
    api.addFeature(NS.VERSION);
    const os = `${osType()} ${release()}`;
    api.iq('get', NS.VERSION, 'query', () =>
      xml('query', { xmlns: NS.VERSION },
        xml('name', {}, api.server.name),
        xml('version', {}, api.server.version),
        ...(api.options.show_os ? [xml('os', {}, os)] : [])));
  },
});
