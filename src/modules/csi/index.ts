// XEP-0352: Client State Indication. A client says <inactive/> when its user is away from it and
// <active/> when back (§3.2); while it is inactive, stanzas that can wait (classify.ts) are kept
// back in its session's outbound filter (held.ts) and sent, in order, as soon as something urgent
// comes, when the client is active again, when too many are kept, or before its stream ends.
import { defineModule, z, type ClientSession, type OutboundGate } from '../../core/module-api.js';
import { StreamError } from '../../xmpp/errors.js';
import { NS } from '../../xmpp/ns.js';
import { xml } from '../../xmpp/xml.js';
import { HeldStanzas } from './held.js';

const options = z.strictObject({
  /** Stanzas kept back per inactive client, 1 to 10000; one more sends them all. */
  max_held: z.number().int().min(1).max(10_000).default(100),
});

interface State {
  readonly held: HeldStanzas;
  readonly gate: OutboundGate;
}

export default defineModule({
  name: 'csi',
  description: 'Client State Indication: less traffic for inactive clients (XEP-0352)',
  specs: ['XEP-0352'],
  options,
  setup(api) {
    // §3.1: offered after authentication.
    api.addStreamFeature('bound', xml('csi', { xmlns: NS.CSI }));

    const states = new WeakMap<ClientSession, State>();
    // The sessions with a filter, so unloading the module can hand back what they keep.
    const filtered = new Set<ClientSession>();

    const stateOf = (session: ClientSession): State => {
      let state = states.get(session);
      if (state === undefined) {
        let gate: OutboundGate | undefined;
        const held = new HeldStanzas((stanza) => gate?.pass(stanza), api.options.max_held);
        gate = session.addOutboundFilter(held);
        state = { held, gate };
        states.set(session, state);
        filtered.add(session);
      }
      return state;
    };

    // §3.2: the state changes before the client's next element is handled (§5.1), and nothing
    // answers it. Every stream starts active (§5), so a filter is only added on <inactive/>.
    api.addNonzaHandler(NS.CSI, (session, el) => {
      const name = el.getName();
      if (name === 'inactive') stateOf(session).held.setInactive(true);
      else if (name === 'active') states.get(session)?.held.setInactive(false);
      else throw new StreamError('unsupported-stanza-type', 'expected <active/> or <inactive/>');
      api.log.debug('client state', { session: session.id, state: name });
    });

    // XEP-0386 §"Performing the bind": a Bind 2 request may start the session inactive.
    api.addBind2Feature(NS.CSI, (session, el) => {
      if (el.getName() === 'inactive') stateOf(session).held.setInactive(true);
      api.log.debug('client state', { session: session.id, state: el.getName(), inline: true });
    });

    // §5: a resumed stream (XEP-0198) starts active, like any new stream.
    api.on('session/resumed', ({ session }) => {
      states.get(session)?.held.setInactive(false);
    });

    // What is kept was sent on when the stream closed cleanly (the session flushes its filters);
    // after a lost connection there is no one to send it to.
    api.on('session/closed', ({ session }) => {
      states.get(session)?.gate.remove();
      states.delete(session);
      filtered.delete(session);
    });

    api.onUnload(() => {
      for (const session of filtered) {
        const state = states.get(session);
        state?.held.setInactive(false);
        state?.gate.remove();
        states.delete(session);
      }
      filtered.clear();
    });
  },
});
