// The HT-SHA-256 SASL mechanisms (draft-schmaus-kitten-sasl-ht-09, used by XEP-0484 FAST),
// server side: one client message, the server's proof in the success data, channel binding.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SaslFailure, type SaslCondition } from '../../../src/xmpp/errors.js';
import { HtServer, offerableHtMechanisms, type HtContext, type HtTokens } from '../../../src/xmpp/sasl/index.js';

const TOKEN = 'WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm';
const EXPORTER = Buffer.from('exporter-binding-data-32-bytes!!');

const mac = (token: string, ...parts: (string | Buffer)[]): Buffer => {
  const h = createHmac('sha256', Buffer.from(token, 'utf8'));
  for (const p of parts) h.update(p);
  return h.digest();
};

/** A token store of one user, recording whom it was asked about. */
function tokens(user = 'juliet', token = TOKEN): HtTokens & { asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    async find(username, proves) {
      asked.push(username);
      const key = Buffer.from(token, 'utf8');
      return username === user && proves(key) ? key : undefined;
    },
  };
}

const ctx = (over: Partial<HtContext> = {}): HtContext => ({ secure: true, channelBinding: { 'tls-exporter': () => EXPORTER }, ...over });
const message = (authcid: string | Buffer, proof: Buffer): Buffer => Buffer.concat([Buffer.from(authcid), Buffer.from([0]), proof]);

async function failsWith(p: Promise<unknown>, condition: SaslCondition): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof SaslFailure && err.condition === condition);
}

describe('HT-SHA-256 SASL mechanisms (draft-schmaus-kitten-sasl-ht, XEP-0484)', () => {
  it('accepts authcid NUL HMAC(token, "Initiator") and answers HMAC(token, "Responder") (§3.1, §3.3)', async () => {
    const m = new HtServer('HT-SHA-256-NONE', ctx(), tokens());
    const r = await m.step(message('juliet', mac(TOKEN, 'Initiator')));
    assert.equal(r.success?.username, 'juliet');
    assert.ok(r.success?.additionalData?.equals(mac(TOKEN, 'Responder')));
  });

  it('covers the channel binding: -EXPR appends tls-exporter data on both sides (§2, §3.1)', async () => {
    const m = new HtServer('HT-SHA-256-EXPR', ctx(), tokens());
    const r = await m.step(message('juliet', mac(TOKEN, 'Initiator', EXPORTER)));
    assert.ok(r.success?.additionalData?.equals(mac(TOKEN, 'Responder', EXPORTER)));
    const unbound = new HtServer('HT-SHA-256-EXPR', ctx(), tokens());
    await failsWith(unbound.step(message('juliet', mac(TOKEN, 'Initiator'))), 'not-authorized');
  });

  it('refuses a wrong proof and an unknown user alike with not-authorized', async () => {
    await failsWith(new HtServer('HT-SHA-256-NONE', ctx(), tokens()).step(message('juliet', mac('other', 'Initiator'))), 'not-authorized');
    await failsWith(new HtServer('HT-SHA-256-NONE', ctx(), tokens()).step(message('romeo', mac(TOKEN, 'Initiator'))), 'not-authorized');
  });

  it('prepares the authcid like a username; one that cannot be prepared is asked about as nobody', async () => {
    const t = tokens();
    assert.ok((await new HtServer('HT-SHA-256-NONE', ctx(), t).step(message('Juliet', mac(TOKEN, 'Initiator')))).success);
    const bad = tokens();
    await failsWith(new HtServer('HT-SHA-256-NONE', ctx(), bad).step(message('a@b', mac(TOKEN, 'Initiator'))), 'not-authorized');
    assert.deepEqual([t.asked, bad.asked], [['juliet'], [undefined]]);
  });

  it('rejects malformed messages: no NUL, empty authcid, empty proof, bad UTF-8, a second message', async () => {
    const step = (msg: Buffer): Promise<unknown> => new HtServer('HT-SHA-256-NONE', ctx(), tokens()).step(msg);
    await failsWith(step(Buffer.from('juliet')), 'malformed-request');
    await failsWith(step(message('', mac(TOKEN, 'Initiator'))), 'malformed-request');
    await failsWith(step(message('juliet', Buffer.alloc(0))), 'malformed-request');
    await failsWith(step(Buffer.alloc(0)), 'malformed-request');
    await failsWith(step(message(Buffer.from([0xff, 0xfe]), mac(TOKEN, 'Initiator'))), 'incorrect-encoding');
    const m = new HtServer('HT-SHA-256-NONE', ctx(), tokens());
    await m.step(message('juliet', mac(TOKEN, 'Initiator')));
    await failsWith(m.step(message('juliet', mac(TOKEN, 'Initiator'))), 'malformed-request');
  });

  it('needs TLS, and the binding data it names (encryption-required, temporary-auth-failure)', async () => {
    await failsWith(new HtServer('HT-SHA-256-NONE', ctx({ secure: false }), tokens()).step(message('juliet', mac(TOKEN, 'Initiator'))), 'encryption-required');
    await failsWith(new HtServer('HT-SHA-256-ENDP', ctx(), tokens()).step(message('juliet', mac(TOKEN, 'Initiator'))), 'temporary-auth-failure');
  });

  it('passes a SaslFailure from the token store on (credentials-expired) and turns other errors into temporary-auth-failure', async () => {
    const expired: HtTokens = { find: async () => { throw new SaslFailure('credentials-expired'); } };
    await failsWith(new HtServer('HT-SHA-256-NONE', ctx(), expired).step(message('juliet', mac(TOKEN, 'Initiator'))), 'credentials-expired');
    const broken: HtTokens = { find: async () => { throw new Error('database down'); } };
    await failsWith(new HtServer('HT-SHA-256-NONE', ctx(), broken).step(message('juliet', mac(TOKEN, 'Initiator'))), 'temporary-auth-failure');
  });

  it('offers -EXPR and -ENDP when their binding is available, -NONE always, nothing without TLS', () => {
    assert.deepEqual(offerableHtMechanisms({ secure: true, channelBindings: ['tls-server-end-point', 'tls-exporter'] }), ['HT-SHA-256-EXPR', 'HT-SHA-256-ENDP', 'HT-SHA-256-NONE']);
    assert.deepEqual(offerableHtMechanisms({ secure: true, channelBindings: ['tls-server-end-point'] }), ['HT-SHA-256-ENDP', 'HT-SHA-256-NONE']);
    assert.deepEqual(offerableHtMechanisms({ secure: false, channelBindings: [] }), []);
    assert.throws(() => new HtServer('SCRAM-SHA-256', ctx(), tokens()));
  });
});
