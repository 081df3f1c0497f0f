// XEP-0202: Entity Time. Replies with UTC and the server's timezone offset.
import { defineModule, z } from '../../core/module-api.js';
import { xml } from '../../xmpp/xml.js';
import { NS } from '../../xmpp/ns.js';

/** '+HH:MM' / '-HH:MM' for a Date's local offset (XEP-0082 TZD). */
export function tzo(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export default defineModule({
  name: 'time',
  description: 'Answers entity time queries (XEP-0202)',
  specs: ['XEP-0202', 'XEP-0082'],
  options: z.strictObject({}),
  setup(api) {
    api.addFeature(NS.TIME);
    api.iq('get', NS.TIME, 'time', () => {
      const now = new Date();
      // XEP-0082 DateTime profile; milliseconds are allowed and dropped here for brevity.
      const utc = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
      return xml('time', { xmlns: NS.TIME }, xml('tzo', {}, tzo(now)), xml('utc', {}, utc));
    });
  },
});
