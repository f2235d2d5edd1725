#!/bin/sh
# bin/prophasis-agent of the self-contained agent package (agent/scripts/pack-platforms.ts):
# runs the agent with the Node.js runtime shipped beside it, never the host's own. Variables
# that would load other code into it (meant for the host's Node.js) are dropped.
set -eu
# Through a symbolic link (e.g. /usr/local/bin/prophasis-agent), find the package itself.
self=$(readlink -f "$0" 2>/dev/null) || self=$0
case $self in */*) ;; *) self=./$self ;; esac
root=$(cd "${self%/*}/.." && pwd -P)
unset NODE_OPTIONS NODE_PATH
# Memory (issue 17, "a light agent"; docs/performance.md, "Agent footprint"): two malloc arenas
# instead of one per thread (the sandbox process inherits it), and a young generation of 1 MiB
# semi-spaces (the agent allocates little, and a small heap is collected quickly).
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
export MALLOC_ARENA_MAX
exec "$root/node/bin/node" --max-semi-space-size=1 "$root/lib/dist/prophasis-agent.mjs" "$@"
