# SPDX-License-Identifier: GPL-3.0-or-later
# workerd config that serves the Cloudflare Workers relay for the tests (and for a local run by hand).
#   RELAY_SECRET=… UPSTREAM_URL=http://127.0.0.1:PORT workerd serve tests/relay/workerd.capnp sourceConfig \
#       --socket-addr http=127.0.0.1:8787
# sourceConfig serves resources/relay/workers/worker.js with relay-core.js as a second module (what
# `wrangler deploy` uploads); distConfig serves the paste-ready dist/worker-relay.js. The bindings come from the
# environment, so no secret is ever written into a file; UPSTREAM_URL unset = null binding = Google.
using Workerd = import "/workerd/workerd.capnp";

const sourceConfig :Workerd.Config = (
  services = [
    (name = "relay", worker = .sourceWorker),
    # fetch() from the worker goes out through the service named "internet". workerd's default one only allows
    # public addresses; the tests' fake upstream is on loopback, so allow private and local addresses as well.
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "relay")],
);

const distConfig :Workerd.Config = (
  services = [
    (name = "relay", worker = .distWorker),
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "relay")],
);

const bindings :List(Workerd.Worker.Binding) = [
  (name = "RELAY_SECRET", fromEnvironment = "RELAY_SECRET"),
  (name = "UPSTREAM_URL", fromEnvironment = "UPSTREAM_URL"),
];

const sourceWorker :Workerd.Worker = (
  modules = [
    # Module names are paths, so worker.js's `import "../relay-core.js"` resolves to the second module.
    (name = "workers/worker.js", esModule = embed "../../resources/relay/workers/worker.js"),
    (name = "relay-core.js", esModule = embed "../../resources/relay/relay-core.js"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = .bindings,
);

const distWorker :Workerd.Worker = (
  modules = [(name = "worker-relay.js", esModule = embed "../../resources/relay/dist/worker-relay.js")],
  compatibilityDate = "2025-09-01",
  bindings = .bindings,
);
