// Going online with @xmpp/client 0.14 without its start-up race.
//
// @xmpp/connection 0.14 starts listening for the server's stream header only once the write of
// its own header has called back (Connection.open). Over TLS that callback can come after the
// server's answer has already been read; start() then rejects with a TimeoutError two seconds
// later although the session went online (about one direct-TLS login in five on this machine).
// So the drivers go by the 'online' event: a start() that fails before it is still a failure;
// one that fails after it is handed to onLateError and otherwise ignored.

/**
 * Starts the client and resolves with the bound JID once it is online.
 * @param {import('@xmpp/client').Client} xmpp
 * @param {(err: unknown) => void} [onLateError]
 * @returns {Promise<import('@xmpp/jid').JID>}
 */
export function startOnline(xmpp, onLateError = () => undefined) {
  return new Promise((resolve, reject) => {
    let reached = false;
    const onOnline = (jid) => {
      reached = true;
      resolve(jid);
    };
    xmpp.once('online', onOnline);
    xmpp.start().catch((err) => {
      if (reached) {
        onLateError(err);
        return;
      }
      xmpp.removeListener('online', onOnline);
      reject(err);
    });
  });
}
