// Preloaded into the shared harness's load driver by `bench/run.sh --one-tls-context`
// (NODE_OPTIONS=--require ...; only the driver's processes, never a server's).
//
// The harness's client calls tls.connect() for every STARTTLS login without a secureContext, so
// Node builds a new OpenSSL context (SSL_CTX_new, cipher list, signature algorithms) each time:
// about a tenth of the driver's CPU per STARTTLS login on this machine (perf, docs/performance.md).
// A real client keeps one context for all its connections. This hands every such call one shared
// context made with the same defaults. Calls that bring a context of their own, or any option that
// would shape one (certificates, CAs, ciphers, versions, ...), are left alone.
'use strict';
const tls = require('node:tls');

// options of tls.connect() that do not go into the context it would build
const CONNECTION_ONLY = new Set([
  'socket', 'servername', 'rejectUnauthorized', 'host', 'port', 'path', 'timeout', 'session',
  'ALPNProtocols', 'checkServerIdentity', 'localAddress', 'family', 'lookup', 'highWaterMark',
]);
const original = tls.connect;
let shared = null;

tls.connect = function connect(...args) {
  const options = args[0];
  if (options !== null && typeof options === 'object' && !options.secureContext
      && Object.keys(options).every((k) => CONNECTION_ONLY.has(k))) {
    shared ??= tls.createSecureContext();
    args[0] = { ...options, secureContext: shared };
  }
  return original.apply(this, args);
};
