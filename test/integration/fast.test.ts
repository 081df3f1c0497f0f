// FAST (XEP-0484) over real sockets: a token asked for in a password login, logins with it
// through HT-SHA-256 mechanisms (with and without channel binding), its ties to the client and
// the mechanism, rotation, invalidation, and failures that tell an attacker nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import { sasl2Suite } from '../support/sasl2-suite.js';
import { createStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';
import type { AccountNoteWatch } from '../../src/core/account-notes.js';
import { deriveCredentials } from '../../src/xmpp/sasl/credentials.js';
import {
  NS_BIND2, type HtName, authenticate, fastMechanisms, htInitial, requestToken, sasl2Fast, sasl2Scram, tokenOf,
} from '../support/sasl2-client.js';

describe('FAST authentication tokens (XEP-0484)', () => {
  const suite = sasl2Suite(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gail', 'hank'], (c) => {
    c.auth.max_failures_per_account = 3;
    c.auth.max_failures_per_address = 1000;
  });
  const connect = (): ReturnType<typeof suite.connect> => suite.connect();

  /** A password login of `clientId` asking for a token for `mechanism`; returns the token. */
  async function issue(user: string, clientId: string, mechanism: HtName = 'HT-SHA-256-NONE'): Promise<string> {
    const { client, features } = await connect();
    const r = await sasl2Scram(client, features, user, `pw-${user}`, { userAgentId: clientId, children: [requestToken(mechanism)] });
    assert.ok(r.ok, 'password login');
    const t = tokenOf(r.success);
    assert.ok(t, 'a token in <success/>');
    return t.token;
  }

  /** A FAST login on a fresh connection. */
  async function fast(user: string, token: string, clientId: string, opts: { mechanism?: HtName; request?: HtName; invalidate?: boolean; bind?: string } = {}) {
    const { client } = await connect();
    return sasl2Fast(client, opts.mechanism ?? 'HT-SHA-256-NONE', user, token, {
      userAgentId: clientId,
      ...(opts.bind === undefined ? {} : { bind: { tag: opts.bind } }),
      ...(opts.request === undefined ? {} : { children: [requestToken(opts.request)] }),
    }, opts.invalidate ? { invalidate: 'true' } : {});
  }

  it('issues a token in <success/> with its expiry (XEP-0082), and logs in with it in one round trip, binding too (§"Client authenticates using FAST")', async () => {
    const { client, features } = await connect();
    assert.deepEqual(fastMechanisms(features), ['HT-SHA-256-EXPR', 'HT-SHA-256-ENDP', 'HT-SHA-256-NONE']);
    const id = randomUUID();
    const before = Date.now();
    const r = await sasl2Scram(client, features, 'alice', 'pw-alice', { userAgentId: id, bind: { tag: 'Fast' }, children: [requestToken('HT-SHA-256-NONE')] });
    assert.ok(r.ok);
    const t = tokenOf(r.success)!;
    assert.match(t.token, /^[A-Za-z0-9_-]{43}$/, '256 bits');
    assert.match(t.expiry, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const lifetime = suite.ts.config.fast.token_lifetime * 1000;
    assert.ok(Math.abs(Date.parse(t.expiry) - before - lifetime) < 5000, 'expires after the configured lifetime');
    const login = await fast('alice', t.token, id, { bind: 'Fast' });
    assert.ok(login.ok, 'the HT login works (the helper checked the server proof)');
    assert.match(login.success.getChildText('authorization-identifier')!, /^alice@localhost\/Fast\//);
    assert.ok(login.success.getChild('bound', NS_BIND2));
    assert.equal(tokenOf(login.success), undefined, 'no new token unasked while the token is young');
  });

  it('a user-agent id that is no UUID still identifies the client: its token works for it alone', async () => {
    const token = await issue('hank', 'hanks-phone');
    assert.ok((await fast('hank', token, 'hanks-phone')).ok);
    assert.equal((await fast('hank', token, 'hanks-laptop')).ok, false, "another client's id");
  });

  it('logs in with channel-bound tokens (HT-SHA-256-EXPR, -ENDP); a token works only with its mechanism (§"Client authenticates using FAST")', async () => {
    const id = randomUUID();
    const expr = await issue('bob', id, 'HT-SHA-256-EXPR');
    assert.ok((await fast('bob', expr, id, { mechanism: 'HT-SHA-256-EXPR' })).ok);
    const endpId = randomUUID();
    const endp = await issue('bob', endpId, 'HT-SHA-256-ENDP');
    assert.ok((await fast('bob', endp, endpId, { mechanism: 'HT-SHA-256-ENDP' })).ok);
    const other = await fast('bob', expr, id, { mechanism: 'HT-SHA-256-NONE' });
    assert.ok(!other.ok);
    assert.equal(other.condition, 'not-authorized', 'an EXPR token refused with NONE');
  });

  it('keeps the token used valid until a new one is used, then refuses it (§"Server initiates token rotation")', async () => {
    const id = randomUUID();
    const first = await issue('carol', id);
    const rotated = await fast('carol', first, id, { request: 'HT-SHA-256-NONE' });
    assert.ok(rotated.ok);
    const second = tokenOf(rotated.success)!.token;
    assert.notEqual(second, first);
    assert.ok((await fast('carol', first, id)).ok, 'the old token still works: the new one may never have arrived');
    assert.ok((await fast('carol', second, id)).ok, 'the new one works');
    const old = await fast('carol', first, id);
    assert.ok(!old.ok);
    assert.equal(old.condition, 'not-authorized', 'the old one is gone once the new one was used');
    assert.ok((await fast('carol', second, id)).ok);
  });

  it('<fast invalidate="true"/> logs in once more and revokes the token, without a new one (§"Client requests token invalidation")', async () => {
    const id = randomUUID();
    const token = await issue('dave', id);
    const last = await fast('dave', token, id, { invalidate: true });
    assert.ok(last.ok);
    assert.equal(tokenOf(last.success), undefined);
    const after = await fast('dave', token, id);
    assert.ok(!after.ok);
    assert.equal(after.condition, 'not-authorized');
  });

  it('a password change (XEP-0077 §3.3) revokes the tokens of every client of the account: a lost device cannot come back with one', async () => {
    const lost = randomUUID();
    const phone = randomUUID();
    const lostToken = await issue('frank', lost);
    const phoneToken = await issue('frank', phone);
    const { client, features } = await connect();
    assert.ok((await sasl2Scram(client, features, 'frank', 'pw-frank', { userAgentId: phone, bind: { tag: 'Phone' } })).ok);
    const change = xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:register' }, xml('password', {}, 'pw-frank-2')));
    assert.equal((await client.iq(change)).attrs.type, 'result');
    for (const [token, id] of [[lostToken, lost], [phoneToken, phone]] as const) {
      const after = await fast('frank', token, id);
      assert.ok(!after.ok, 'the token no longer logs in');
      assert.equal(after.condition, 'not-authorized');
    }
    const fresh = await connect();
    assert.ok((await sasl2Scram(fresh.client, fresh.features, 'frank', 'pw-frank-2', { userAgentId: phone })).ok, 'the new password does');
  });

  it('a password changed outside the server (CLI passwd) ends the sessions of tokens granted before; one granted after goes on', async () => {
    const notes = suite.ts.server['notes'] as Pick<AccountNoteWatch, 'check'>;
    const elsewhere = async (change: (s: Storage) => Promise<void>): Promise<void> => {
      const other = await createStorage(suite.ts.config.storage, suite.ts.dataDir);
      try {
        await change(other);
      } finally {
        await other.close();
      }
    };
    const id = randomUUID();
    const old = await connect();
    assert.ok((await sasl2Fast(old.client, 'HT-SHA-256-NONE', 'gail', await issue('gail', id), { userAgentId: id, bind: { tag: 'Old' } })).ok);
    await elsewhere(async (s) => {
      assert.equal(await s.accounts.setCredentials('localhost', 'gail', await deriveCredentials('pw-gail-2', 4096)), true);
    });
    await notes.check();
    assert.equal(await old.client.streamError(), 'reset', 'the session of the token from before ends');

    const granted = await connect();
    const r = await sasl2Scram(granted.client, granted.features, 'gail', 'pw-gail-2', { userAgentId: id, children: [requestToken('HT-SHA-256-NONE')] });
    assert.ok(r.ok);
    const now = await connect();
    assert.ok((await sasl2Fast(now.client, 'HT-SHA-256-NONE', 'gail', tokenOf(r.success)!.token, { userAgentId: id, bind: { tag: 'Now' } })).ok);
    // Noted but unchanged credentials: a session stamped with anything but them would end.
    await elsewhere(async (s) => {
      const same = (await s.accounts.get('localhost', 'gail'))!.credentials;
      assert.equal(await s.accounts.setCredentials('localhost', 'gail', same), true);
    });
    await notes.check();
    const pong = await now.client.iq(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    assert.equal(pong.attrs.type, 'result', 'the session of the token granted with the credentials now goes on');
  });

  it('refuses a wrong token, another client\'s token and an unknown account with the same failure (no enumeration)', async () => {
    const id = randomUUID();
    const token = await issue('alice', id);
    const failures: string[] = [];
    for (const [user, t, client] of [['alice', 'wrong-token', id], ['alice', token, randomUUID()], ['nobody', token, id]] as const) {
      const r = await fast(user, t, client);
      assert.ok(!r.ok);
      failures.push(r.element?.toString() ?? '');
    }
    assert.equal(new Set(failures).size, 1, failures.join('\n'));
    assert.match(failures[0]!, /not-authorized/);
    assert.ok((await fast('alice', token, id)).ok, 'the real one still works');
  });

  it('keeps no token in the database: only a seed it is derived from with the server secret', async () => {
    const token = await issue('alice', randomUUID());
    const stored = await Promise.all(['test.sqlite', 'test.sqlite-wal'].map((f) => readFile(join(suite.ts.dataDir, f)).catch(() => Buffer.alloc(0))));
    assert.ok(stored[0]!.length + stored[1]!.length > 0);
    for (const bytes of stored) assert.equal(bytes.includes(token), false, 'the token is nowhere in the database files');
  });

  it('counts failed token logins against the account like wrong passwords: throttled even with the right token', async () => {
    const id = randomUUID();
    const token = await issue('erin', id);
    const { client } = await connect();
    for (let i = 0; i < 3; i++) assert.equal((await sasl2Fast(client, 'HT-SHA-256-NONE', 'erin', `bad-${i}`, { userAgentId: id })).ok, false);
    const blocked = await fast('erin', token, id);
    assert.ok(!blocked.ok);
    assert.equal(blocked.condition, 'temporary-auth-failure');
  });

  it('rejects malformed FAST requests: unknown token mechanism, token without user agent, HT without <fast/>, bad invalidate', async () => {
    const { client, features } = await connect();
    const bad = await sasl2Scram(client, features, 'alice', 'pw-alice', { children: [requestToken('HT-MD5-NONE')] });
    assert.ok(!bad.ok);
    assert.equal(bad.condition, 'invalid-mechanism');
    const anonymous = await sasl2Scram(client, features, 'alice', 'pw-alice', { userAgentId: null, children: [requestToken('HT-SHA-256-NONE')] });
    assert.ok(!anonymous.ok);
    assert.equal(anonymous.condition, 'malformed-request');
    const id = randomUUID();
    const token = await issue('bob', id);
    const c = await connect();
    c.client.send(authenticate('HT-SHA-256-NONE', htInitial(c.client, 'HT-SHA-256-NONE', 'bob', token), { userAgentId: id }));
    const refused = await c.client.next();
    assert.equal(refused?.name, 'failure');
    assert.ok(refused?.getChild('invalid-mechanism'), 'HT is for FAST logins only');
    const d = await connect();
    const weird = await sasl2Fast(d.client, 'HT-SHA-256-NONE', 'bob', token, { userAgentId: id }, { invalidate: 'maybe' });
    assert.ok(!weird.ok);
    assert.equal(weird.condition, 'malformed-request');
  });
});

describe('FAST token lifetime (XEP-0484 §"Business Rules")', () => {
  const LIFETIME_S = 4;
  const suite = sasl2Suite(['alice'], (c) => {
    c.fast.token_lifetime = LIFETIME_S;
  });

  const until = async (at: number): Promise<void> => {
    const wait = at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };

  async function fast(token: string, id: string) {
    const { client } = await suite.connect();
    return sasl2Fast(client, 'HT-SHA-256-NONE', 'alice', token, { userAgentId: id });
  }

  it('replaces a token used in the second half of its life unasked, and refuses it once expired with credentials-expired', async () => {
    const id = randomUUID();
    const { client, features } = await suite.connect();
    const r = await sasl2Scram(client, features, 'alice', 'pw-alice', { userAgentId: id, children: [requestToken('HT-SHA-256-NONE')] });
    assert.ok(r.ok);
    const first = tokenOf(r.success)!;
    const expiry = Date.parse(first.expiry);
    await until(expiry - (LIFETIME_S * 1000) / 2 + 300);
    const used = await fast(first.token, id);
    assert.ok(used.ok);
    const next = tokenOf(used.success);
    assert.ok(next, 'a fresh token, unasked (§"Server initiates token rotation")');
    assert.ok(Date.parse(next.expiry) > expiry);
    await until(expiry + 100);
    const expired = await fast(first.token, id);
    assert.ok(!expired.ok);
    assert.equal(expired.condition, 'credentials-expired');
    assert.ok((await fast(next.token, id)).ok, 'the new token works');
  });
});

describe('FAST switched off (fast.enabled: false)', () => {
  const suite = sasl2Suite(['alice'], (c) => {
    c.fast.enabled = false;
  });

  it('offers no <fast/>, ignores a token request and refuses HT logins as not offered', async () => {
    const { client, features } = await suite.connect();
    assert.deepEqual(fastMechanisms(features), []);
    const id = randomUUID();
    const r = await sasl2Scram(client, features, 'alice', 'pw-alice', { userAgentId: id, children: [requestToken('HT-SHA-256-NONE')] });
    assert.ok(r.ok);
    assert.equal(tokenOf(r.success), undefined);
    const { client: other } = await suite.connect();
    const fastLogin = await sasl2Fast(other, 'HT-SHA-256-NONE', 'alice', 'anything', { userAgentId: id });
    assert.ok(!fastLogin.ok);
    assert.equal(fastLogin.condition, 'invalid-mechanism');
  });
});
