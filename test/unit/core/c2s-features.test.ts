// Stream features are serialised once per combination of their inputs (core/c2s/features.ts) and,
// for the modules' features, once per set (Host.streamFeaturesText): what is offered must still
// follow every change of those inputs.
import assert from 'node:assert/strict';
import { featureText, featuresText, saslFeatures } from '../../../src/core/c2s/features.js';
import { Host } from '../../../src/core/host.js';
import { xml } from '../../../src/xmpp/xml.js';
import { parseStored } from '../../../src/xmpp/stored.js';
import { serialize } from '../../../src/xmpp/serialize.js';
import { silentLogger } from '../../../src/util/log.js';

describe('core/c2s stream features as text', () => {
  it('featureText builds once per key and serialises what was built', () => {
    let builds = 0;
    const build = () => {
      builds++;
      return saslFeatures(['SCRAM-SHA-1', 'SCRAM-SHA-256'], ['tls-exporter']);
    };
    const a = featureText('test\x1fsasl-a', build);
    assert.equal(featureText('test\x1fsasl-a', build), a);
    assert.equal(builds, 1);
    assert.equal(a, saslFeatures(['SCRAM-SHA-1', 'SCRAM-SHA-256'], ['tls-exporter']).map((el) => serialize(el)).join(''));
    const b = featureText('test\x1fsasl-b', () => saslFeatures(['SCRAM-SHA-256'], []));
    assert.notEqual(b, a);
    assert.equal(builds, 1);
  });

  it('featuresText wraps the parts in <stream:features/> with the limits (XEP-0478) last', () => {
    const text = featuresText(['<bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/>', ''], { maxBytes: 4096, idleSeconds: 0 });
    const root = parseStored(text);
    assert.equal(root?.name, 'stream:features');
    assert.deepEqual(root.children.map((c) => (typeof c === 'string' ? c : c.name)), ['bind', 'limits']);
    assert.equal(root.getChild('limits', 'urn:xmpp:stream-limits:0')?.getChildText('max-bytes'), '4096');
    assert.equal(root.getChild('limits', 'urn:xmpp:stream-limits:0')?.getChild('idle-seconds'), undefined);
    const idle = featuresText([], { maxBytes: 4096, idleSeconds: 300 });
    assert.match(idle, /<idle-seconds>300<\/idle-seconds>/);
  });

  it('Host.streamFeaturesText follows features being added and removed, and TLS-only ones', () => {
    const host = new Host('localhost', silentLogger);
    assert.equal(host.streamFeaturesText('bound', false), '');
    const removeA = host.addStreamFeature('bound', xml('a', { xmlns: 'urn:example:a' }));
    assert.equal(host.streamFeaturesText('bound', false), '<a xmlns="urn:example:a"/>');
    host.addStreamFeature('bound', xml('b', { xmlns: 'urn:example:b' }), { tlsOnly: true });
    host.addStreamFeature('preauth', xml('p', { xmlns: 'urn:example:p' }));
    assert.equal(host.streamFeaturesText('bound', false), '<a xmlns="urn:example:a"/>');
    assert.equal(host.streamFeaturesText('bound', true), '<a xmlns="urn:example:a"/><b xmlns="urn:example:b"/>');
    assert.equal(host.streamFeaturesText('preauth', true), '<p xmlns="urn:example:p"/>');
    removeA();
    assert.equal(host.streamFeaturesText('bound', true), '<b xmlns="urn:example:b"/>');
    assert.equal(host.streamFeaturesText('bound', false), '');
  });
});
