// Requests the server sends itself (sendIqRequest, the module API's request): settled only by
// an answer with the same id from the addressee, results and errors alike; other answers are
// dropped as before; a missing answer rejects after the timeout.
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { Host } from '../../../src/core/host.js';
import { installIqDispatch, sendIqRequest } from '../../../src/core/iq-dispatch.js';
import { LocalRouter } from '../../../src/core/router.js';
import { SessionManager } from '../../../src/core/session-manager.js';
import { silentLogger } from '../../../src/util/log.js';

describe('core/iq-dispatch: requests from the server', () => {
  let host: Host;
  let router: LocalRouter;
  let sent: Element[];
  let bounced: Element[];

  beforeEach(() => {
    host = new Host('localhost', silentLogger);
    router = new LocalRouter(new Map([['localhost', host]]), new SessionManager(), silentLogger);
    installIqDispatch(host, router, () => true);
    sent = [];
    bounced = [];
    // Stands in for the client: requests to full JIDs are captured here.
    host.events.on('iq/full', (ev) => {
      sent.push(ev.stanza);
      return true;
    });
    const bounce = router.bounce.bind(router);
    router.bounce = (stanza, err) => {
      bounced.push(stanza);
      bounce(stanza, err);
    };
  });

  const answer = (from: string, id: string, type = 'result'): void => {
    void router.route(xml('iq', { type, from, to: 'localhost', id }, xml('query', { xmlns: 'urn:example' })));
  };
  const request = (to: string, ms = 2000): Promise<Element> =>
    sendIqRequest(host, router, xml('iq', { type: 'get', to }, xml('query', { xmlns: 'urn:example' })), ms);

  it('sends the IQ from the host with a fresh id and resolves with the addressee\'s result', async () => {
    const pending = request('alice@localhost/home');
    assert.equal(sent.length, 1);
    const out = sent[0]!;
    assert.equal(out.attrs.from, 'localhost');
    assert.match(out.attrs.id as string, /^[0-9a-f-]{36}$/);
    answer('alice@localhost/home', out.attrs.id as string);
    const got = await pending;
    assert.equal(got.attrs.type, 'result');
    assert.equal(got.attrs.from, 'alice@localhost/home');
  });

  it('an answer with the right id from someone else neither settles it nor is answered; an error from the addressee does', async () => {
    const pending = request('alice@localhost/home');
    const id = sent[0]!.attrs.id as string;
    let settled = false;
    void pending.then(() => (settled = true), () => (settled = true));
    answer('mallory@localhost/x', id);
    answer('alice@localhost/other', id);
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    assert.deepEqual(bounced, [], 'results are never answered');
    answer('alice@localhost/home', id, 'error');
    assert.equal((await pending).attrs.type, 'error');
  });

  it('an answer to no request is dropped silently, as before', () => {
    answer('alice@localhost/home', 'unknown-id');
    assert.deepEqual(bounced, []);
  });

  it('rejects when no answer comes in time, and a late answer is dropped', async () => {
    await assert.rejects(request('alice@localhost/slow', 20), /no answer/);
    answer('alice@localhost/slow', sent[0]!.attrs.id as string);
    assert.deepEqual(bounced, []);
  });

  it('refuses what is not an IQ get or set with an address', () => {
    assert.throws(() => sendIqRequest(host, router, xml('iq', { type: 'result', to: 'a@localhost/b' }), 10));
    assert.throws(() => sendIqRequest(host, router, xml('iq', { type: 'get' }), 10));
  });
});
