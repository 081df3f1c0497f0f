// SASL2 (XEP-0388) given malformed or misplaced elements over real sockets: each gets the
// failure the profile specifies (RFC 6120 §6.5 conditions inside <failure/>), or a stream error
// where the XEP says the client must be disconnected.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { RawClient } from '../support/raw-client.js';
import { sasl2Suite } from '../support/sasl2-suite.js';
import { NS_SASL2, authenticate, authenticationOf, firstChild, sasl2Raw, sasl2Scram } from '../support/sasl2-client.js';

const UA = 'd4565fa7-4d72-4749-b3d3-740edbf87770';
const scramFirst = (user: string): Buffer => Buffer.from(`n,,n=${user},r=abcdefghijklmnop`);

describe('SASL2 bad input (XEP-0388)', () => {
  const suite = sasl2Suite(['alice'], (c) => {
    c.auth.max_attempts_per_stream = 3;
  });
  const connect = (): ReturnType<typeof suite.connect> => suite.connect();

  /** The failure condition a lone element earns on a fresh stream. */
  async function conditionFor(el: Element): Promise<string> {
    const { client } = await connect();
    const r = await sasl2Raw(client, el);
    assert.ok(!r.ok);
    assert.equal(r.element?.attrs.xmlns, NS_SASL2);
    return r.condition;
  }

  it('fails malformed <authenticate/> requests before any exchange (§"Initiation", §"Failure")', async () => {
    const initial = xml('initial-response', {}, scramFirst('alice').toString('base64'));
    assert.equal(await conditionFor(xml('authenticate', { xmlns: NS_SASL2 }, initial)), 'malformed-request', 'no mechanism');
    assert.equal(await conditionFor(authenticate('SCRAM-SHA-512', scramFirst('alice'))), 'invalid-mechanism', 'not offered');
    assert.equal(await conditionFor(authenticate('X-UNKNOWN', undefined)), 'invalid-mechanism');
    assert.equal(await conditionFor(xml('authenticate', { xmlns: NS_SASL2, mechanism: 'SCRAM-SHA-256' }, initial, xml('initial-response', {}, 'AA=='))), 'malformed-request', 'two initial responses');
    assert.equal(await conditionFor(xml('authenticate', { xmlns: NS_SASL2, mechanism: 'SCRAM-SHA-256' }, xml('initial-response', {}, 'not base64!'))), 'incorrect-encoding');
    assert.equal(await conditionFor(authenticate('SCRAM-SHA-256', scramFirst('alice'), { userAgentId: 'my phone' })), 'malformed-request', 'user-agent id with a space');
    assert.equal(await conditionFor(xml('authenticate', { xmlns: NS_SASL2, mechanism: 'SCRAM-SHA-256' },
      xml('user-agent', { id: UA }), xml('user-agent', { id: UA }))), 'malformed-request', 'two user agents');
    assert.equal(await conditionFor(xml('response', { xmlns: NS_SASL2 }, 'AA==')), 'malformed-request', 'a response without an exchange');
  });

  it('a response that is not base64 fails the exchange with incorrect-encoding', async () => {
    const { client } = await connect();
    client.send(authenticate('SCRAM-SHA-256', scramFirst('alice')));
    assert.equal((await client.next())?.name, 'challenge');
    const r = await sasl2Raw(client, xml('response', { xmlns: NS_SASL2 }, '%%%'));
    assert.ok(!r.ok);
    assert.equal(r.condition, 'incorrect-encoding');
  });

  it('anything but <response/> or <abort/> during an exchange closes the stream (§"During Authentication")', async () => {
    for (const intruder of [xml('iq', { type: 'get', id: 'x' }, xml('ping', { xmlns: 'urn:xmpp:ping' })), authenticate('SCRAM-SHA-256', scramFirst('alice'))]) {
      const { client } = await connect();
      client.send(authenticate('SCRAM-SHA-256', scramFirst('alice')));
      assert.equal((await client.next())?.name, 'challenge');
      client.send(intruder);
      assert.equal(await client.streamError(), 'policy-violation');
    }
  });

  it('another <authenticate/> after <success/> is a stream error (§"Security Layers")', async () => {
    const { client, features } = await connect();
    assert.ok((await sasl2Scram(client, features, 'alice', 'pw-alice')).ok);
    client.send(authenticate('SCRAM-SHA-256', scramFirst('alice')));
    assert.equal(await client.streamError(), 'policy-violation');
  });

  it('an unknown SASL2 element (no tasks are offered) is unsupported-stanza-type', async () => {
    const { client } = await connect();
    client.send(xml('next', { xmlns: NS_SASL2, task: 'HOTP-EXAMPLE' }));
    assert.equal(await client.streamError(), 'unsupported-stanza-type');
  });

  it('fails <authenticate/> before TLS with encryption-required (§"Security Considerations")', async () => {
    const client = suite.track(await RawClient.connect({ port: suite.ts.c2sPort, ca: suite.ca }));
    await client.open();
    const r = await sasl2Raw(client, authenticate('SCRAM-SHA-256', scramFirst('alice')));
    assert.ok(!r.ok);
    assert.equal(r.condition, 'encryption-required');
  });

  it('classic SASL and SASL2 failures share the attempts allowed per stream (RFC 6120 §6.4.5)', async () => {
    const { client, features } = await connect();
    assert.equal(await client.scram(features, 'alice', 'wrong', 'SCRAM-SHA-256'), 'not-authorized');
    assert.equal((await sasl2Scram(client, features, 'alice', 'wrong')).ok, false);
    client.send(authenticate('X-UNKNOWN', undefined));
    const last = await client.next();
    assert.equal(firstChild(last), 'invalid-mechanism');
    assert.equal(await client.streamError(), 'policy-violation');
  });
});

describe('SASL2 switched off (sasl2.enabled: false)', () => {
  const suite = sasl2Suite(['alice'], (c) => {
    c.sasl2.enabled = false;
  });

  it('offers no <authentication/> and treats <authenticate/> as an unknown element', async () => {
    const { client, features } = await suite.connect();
    assert.equal(authenticationOf(features), undefined);
    assert.ok(features.getChild('mechanisms'), 'classic SASL stays');
    client.send(authenticate('SCRAM-SHA-256', scramFirst('alice')));
    assert.equal(await client.streamError(), 'unsupported-stanza-type');
  });
});
