// SPDX-License-Identifier: GPL-3.0-or-later
// Test-only preload (NODE_OPTIONS="--require …/resolve-test-names.cjs") for tests/tls/acme-e2e.sh: host names under
// the reserved .test TLD (a.test, b.test, …) resolve to 127.0.0.1, every other name goes to the real resolver. The
// clients then connect to https://a.test:PORT with that name in SNI, in the Host header and in the certificate
// check, as they would with a real DNS entry. net, tls, https, fetch (undici) and ws all look names up through
// dns.lookup, which is what is replaced. The names looked up here are written to $TLS_E2E_LOOKUP_LOG at exit.
'use strict';

const dns = require('node:dns');
const fs = require('node:fs');

const TEST_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.test\.?$/i;
const looked = [];
const realLookup = dns.lookup;
const realPromisesLookup = dns.promises.lookup;

function normalise(options) {
    if (typeof options === 'number') {
        return { family: options };
    }
    return options ?? {};
}

dns.lookup = function lookup(hostname, options, callback) {
    if (typeof options === 'function') {
        callback = options;
        options = {};
    }
    if (typeof hostname !== 'string' || !TEST_NAME.test(hostname)) {
        return realLookup.call(dns, hostname, options, callback);
    }
    const opts = normalise(options);
    looked.push(hostname);
    process.nextTick(() => {
        if (opts.family === 6) {
            const e = new Error(`getaddrinfo ENOTFOUND ${hostname} (IPv4 only in this test)`);
            e.code = 'ENOTFOUND';
            callback(e);
        } else if (opts.all) {
            callback(null, [{ address: '127.0.0.1', family: 4 }]);
        } else {
            callback(null, '127.0.0.1', 4);
        }
    });
    return {};
};

dns.promises.lookup = async function lookup(hostname, options) {
    if (typeof hostname !== 'string' || !TEST_NAME.test(hostname)) {
        return realPromisesLookup.call(dns.promises, hostname, options);
    }
    const opts = normalise(options);
    looked.push(hostname);
    return opts.all ? [{ address: '127.0.0.1', family: 4 }] : { address: '127.0.0.1', family: 4 };
};

if (process.env.TLS_E2E_LOOKUP_LOG) {
    process.on('exit', () => {
        fs.appendFileSync(process.env.TLS_E2E_LOOKUP_LOG, looked.map((n) => `${process.pid} ${n}\n`).join(''));
    });
}
