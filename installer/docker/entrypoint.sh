#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The container's entry point (installer/docker/Dockerfile): gemini-aggregatord with the container's arguments
# (CMD: run). On the first start in an empty volume it first makes the config a container needs:
#   - the file secret store and the default access token (`token show`; the token is not printed: get it with
#     `docker exec CONTAINER gemini-aggregatord token show`);
#   - listen.allowRemote true and listen.host 0.0.0.0: clients reach it through the container's network (a
#     published port, nginx), never through the container's own loopback;
#   - log.file none: the log goes to stderr only, which is what `docker logs` shows.
# Later starts leave the config as the administrator changed it. At every start, when GA_CLUSTER_REDIS is set
# (compose.yaml), cluster.redis is set to it. The passphrase comes from GEMINI_AGGREGATOR_PASSPHRASE_FILE (or
# GEMINI_AGGREGATOR_PASSPHRASE); without one the first command below says so and the container stops.
set -eu

state=$(dirname "$GEMINI_AGGREGATOR_CONFIG")
marker=$state/.container-setup-done
if [ ! -e "$marker" ]; then
    echo "gemini-aggregator-entrypoint: first start: making $GEMINI_AGGREGATOR_CONFIG for a container" >&2
    gemini-aggregatord token show >/dev/null
    gemini-aggregatord config set secrets.store file >/dev/null
    gemini-aggregatord config set log.file none >/dev/null
    gemini-aggregatord config set listen.allowRemote true >/dev/null
    gemini-aggregatord config set listen.host 0.0.0.0 >/dev/null
    : >"$marker"
fi
if [ -n "${GA_CLUSTER_REDIS:-}" ]; then
    gemini-aggregatord config set cluster.redis "$GA_CLUSTER_REDIS" >/dev/null
fi
exec gemini-aggregatord "$@"
