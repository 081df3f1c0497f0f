// Bookmarks between XEP-0048 (<storage/>) and XEP-0402 (one item per room), pure.
import assert from 'node:assert/strict';
import { bookmarkChanges, itemsToLegacy, legacyRest, legacyToItems } from '../../../src/xmpp/bookmarks.js';
import { parseStored } from '../../../src/xmpp/stored.js';

const el = (text: string) => parseStored(text)!;
const LEGACY = `<storage xmlns='storage:bookmarks'>
  <conference jid='council@conference.underhill.org' name='Council of Oberon' autojoin='1'><nick>Puck</nick><password>pw</password></conference>
  <conference name='no jid'/>
  <url name='Home' url='https://example.org/'/>
  <conference jid='orchard@conference.example.org' autojoin='false'/>
</storage>`;

describe('xmpp/bookmarks (XEP-0048, XEP-0402)', () => {
  it('a legacy list becomes one XEP-0402 item per room, JID as id, autojoin as true (XEP-0402 §2, §6.3)', () => {
    const items = legacyToItems(el(LEGACY));
    assert.deepEqual(items.map((i) => i.id), ['council@conference.underhill.org', 'orchard@conference.example.org']);
    assert.equal(items[0]!.payload.toString(),
      '<conference xmlns="urn:xmpp:bookmarks:1" name="Council of Oberon" autojoin="true"><nick>Puck</nick><password>pw</password></conference>');
    assert.equal(items[1]!.payload.toString(), '<conference xmlns="urn:xmpp:bookmarks:1"/>');
  });

  it('items become a legacy list with the jid attribute and the rest kept after (XEP-0402 §6.3.1)', () => {
    const items = legacyToItems(el(LEGACY));
    const storage = itemsToLegacy(items, legacyRest(el(LEGACY)));
    assert.deepEqual(storage.getChildren('conference').map((c) => [c.attrs.jid, c.attrs.autojoin]), [
      ['council@conference.underhill.org', 'true'], ['orchard@conference.example.org', 'false'],
    ]);
    assert.equal(storage.getChild('url')!.attrs.url, 'https://example.org/');
  });

  it('extensions of an existing item survive a legacy client saving the same room (XEP-0402 §2)', () => {
    const current = new Map([['orchard@conference.example.org', el("<conference xmlns='urn:xmpp:bookmarks:1'><extensions><state xmlns='urn:example' minimized='true'/></extensions></conference>")]]);
    const [, orchard] = legacyToItems(el(LEGACY), current);
    assert.equal(orchard!.payload.getChild('extensions')!.getChild('state', 'urn:example')!.attrs.minimized, 'true');
  });

  it('changes are the new or different items and the rooms no longer listed (XEP-0402 §6.3.2)', () => {
    const items = legacyToItems(el(LEGACY));
    const current = new Map([
      ['council@conference.underhill.org', items[0]!.payload],
      ['gone@conference.example.org', el("<conference xmlns='urn:xmpp:bookmarks:1'/>")],
    ]);
    const { publish, retract } = bookmarkChanges(current, items);
    assert.deepEqual(publish.map((i) => i.id), ['orchard@conference.example.org']);
    assert.deepEqual(retract, ['gone@conference.example.org']);
  });
});
