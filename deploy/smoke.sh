#!/usr/bin/env bash
# Builds the hub image and smoke-tests it: one hub alone (health, non-root), then the compose file
# (Redis and two hubs) with two clients from the host meeting through both hubs over the bus.
# Everything is published on 127.0.0.1 only, and everything this script started is stopped, even
# when a step fails.
#
# No registry and no apt inside an image: the base image is made from this machine's own files
# (the dynamic libraries that this Node and redis-server load, plus a passwd file), so it takes
# seconds instead of a debootstrap run (which took 9 min on a loaded machine). Node is this
# machine's `node`, Redis its `redis-server`. Releases build on the official base (ARG BASE).
#
# Root only: it starts its own dockerd on a private socket and stops it by PID. Needs Debian's
# docker.io and docker-compose, node and redis-server (.ci/run installs them).
# Env: WORK (scratch, default /tmp/saltline-docker), PORT (first of three host ports, default 18790).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=${WORK:-${TMPDIR:-/tmp}/saltline-docker}
PORT=${PORT:-18790}
IMG=local/saltline-hub:ci
REDIS_IMG=local/saltline-redis:ci
DOCKER=/usr/bin/docker # Debian's 20.10 client: a newer one earlier on PATH may lack the builder
PROJECT=saltlinehub
COMPOSE=(docker-compose -p "$PROJECT" -f "$REPO/deploy/docker-compose.yml")

fail() {
  echo "smoke: FAILED: $*" >&2
  exit 1
}
ts() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(ts)" -v n="$2" 'BEGIN{printf "smoke: %-24s %6.1f s\n", n, b-a}'; }
START=$(ts)

[ "$(id -u)" = 0 ] || fail "run as root: this script starts its own dockerd (SALTLINE_CONTAINER_SMOKE=0 .ci/run skips it)"
NODE=$(command -v node) || fail "node is not on PATH"
REDIS_SERVER=$(command -v redis-server || echo /usr/bin/redis-server)
missing=()
[ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
[ -x "$REDIS_SERVER" ] || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] || fail "missing ${missing[*]}: apt-get install -y --no-install-recommends ${missing[*]} (.ci/run does this)"
mkdir -p "$WORK"

# ---- our own dockerd, on a private socket, stopped by PID on any exit -------------------------
export DOCKER_HOST="unix://$WORK/docker.sock"
DOCKERD_PID=
cleanup() {
  local status=$?
  set +e
  if [ -n "$DOCKERD_PID" ]; then
    [ "$status" = 0 ] || { "${COMPOSE[@]}" logs --tail 30 2>/dev/null; $DOCKER logs saltline-hub-smoke 2>/dev/null | tail -30; }
    BUS_KEY=x "${COMPOSE[@]}" down -t 5 >/dev/null 2>&1
    $DOCKER rm -f saltline-hub-smoke >/dev/null 2>&1
    $DOCKER image prune -f >/dev/null 2>&1 # the previous run's images, untagged by this one's
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$DOCKERD_PID" 2>/dev/null && kill -KILL "$DOCKERD_PID" 2>/dev/null
  fi
  rm -rf "$WORK/ctx" "$WORK/rootfs" "$WORK/redis"
  [ "$status" = 0 ] || echo "smoke: FAILED (exit $status); dockerd's log: $WORK/dockerd.log" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_dockerd() {
  /usr/sbin/dockerd -H "$DOCKER_HOST" --pidfile "$WORK/dockerd.pid" "$@" >"$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 120); do
    $DOCKER info >/dev/null 2>&1 && return 0
    kill -0 "$DOCKERD_PID" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
t=$(ts)
if ! start_dockerd; then
  echo "smoke: dockerd did not start with overlay2; retrying with vfs" >&2
  tail -5 "$WORK/dockerd.log" >&2
  kill "$DOCKERD_PID" 2>/dev/null
  wait "$DOCKERD_PID" 2>/dev/null || true
  DOCKERD_PID=
  start_dockerd --storage-driver=vfs || { tail -30 "$WORK/dockerd.log" >&2; fail "dockerd did not start (is another one running?)"; }
fi
took "$t" dockerd

# ---- the base image: this machine's libraries for node and redis-server, cached by content ------
t=$(ts)
libs() { ldd "$1" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'; }
FILES=$( (libs "$NODE" && libs "$REDIS_SERVER") | sort -u)
BASE=local/saltline-base:$( (echo "$FILES" && sha256sum $FILES) | sha256sum | cut -c1-12)
if ! $DOCKER image inspect "$BASE" >/dev/null 2>&1; then
  ROOT="$WORK/rootfs"
  rm -rf "$ROOT" && mkdir -p "$ROOT/etc" "$ROOT/tmp" "$ROOT/usr/local/bin"
  chmod 1777 "$ROOT/tmp"
  for file in $FILES; do cp --parents -L "$file" "$ROOT"; done
  [ -d "$ROOT/lib64" ] || fail "no dynamic loader found in ldd $NODE"
  printf 'root:x:0:0::/:/nonexistent\nnobody:x:65534:65534::/nonexistent:/nonexistent\n' >"$ROOT/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
  printf 'hosts: files dns\n' >"$ROOT/etc/nsswitch.conf"
  tar --numeric-owner -C "$ROOT" -c . | $DOCKER import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$BASE" >/dev/null
  rm -rf "$ROOT"
fi
took "$t" base-image

# ---- the build context: the packed package, its runtime dependencies, the hub, Node ------------
t=$(ts)
npx rollup -c >/dev/null 2>"$WORK/rollup.log" || { tail -20 "$WORK/rollup.log" >&2; fail "the build (rollup -c) failed"; }
took "$t" build
t=$(ts)
CTX="$WORK/ctx"
rm -rf "$CTX" && mkdir -p "$CTX/runtime/bin"
TARBALL=$(npm pack --ignore-scripts --silent --pack-destination "$CTX" | tail -1)
cp -r deploy/hub "$CTX/hub"
cat >"$CTX/package.json" <<JSON
{ "name": "saltline-hub", "private": true, "type": "module",
  "dependencies": { "saltline": "file:./$TARBALL", "ws": "^8.23.0", "redis": "^6.4.0" } }
JSON
# npm ci has just filled the cache with these: no registry round trip when it has.
(cd "$CTX" && npm install --prefer-offline --omit=dev --no-audit --no-fund --silent && rm -f "$TARBALL") ||
  fail "npm install of the hub's dependencies failed"
cp "$NODE" "$CTX/runtime/bin/node"
took "$t" context

t=$(ts)
$DOCKER build -q --build-arg BASE="$BASE" -f deploy/Dockerfile -t "$IMG" "$CTX" >/dev/null || fail "docker build of the hub failed"
mkdir -p "$WORK/redis"
cp -L "$REDIS_SERVER" "$WORK/redis/redis-server"
printf '%s\n' "FROM $BASE" 'COPY redis-server /usr/local/bin/' 'USER 65534:65534' 'EXPOSE 6379' 'CMD ["redis-server"]' >"$WORK/redis/Dockerfile"
$DOCKER build -q -t "$REDIS_IMG" "$WORK/redis" >/dev/null || fail "docker build of redis failed"
took "$t" images

# Polls a health URL from the host for 60 s. Docker's proxy accepts connections before the hub
# listens and may then hold them: each request has its own timeout (a hanging request holds no
# timer of its own: without the deadline's, node would exit early).
wait_http() {
  node -e 'setTimeout(() => process.exit(1), 60_000);
    const go = () => fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then((r) => { if (!r.ok) throw 0; process.exit(0); })
      .catch(() => setTimeout(go, 250));
    go();' "$1"
}

# ---- one hub, alone: healthy, not root ---------------------------------------------------------
t=$(ts)
$DOCKER run -d --name saltline-hub-smoke --init -p "127.0.0.1:$PORT:8080" "$IMG" >/dev/null
wait_http "http://127.0.0.1:$PORT/healthz" || fail "the hub alone never answered /healthz"
uid=$($DOCKER exec saltline-hub-smoke node -p 'process.getuid()')
[ "$uid" = 65534 ] || fail "the hub runs as uid $uid, not nobody (65534)"
$DOCKER stop -t 5 saltline-hub-smoke >/dev/null
$DOCKER rm saltline-hub-smoke >/dev/null
took "$t" one-hub

# ---- Redis and two hubs; two clients from the host meet through them -------------------------
t=$(ts)
export HUB_IMAGE=$IMG REDIS_IMAGE=$REDIS_IMG HUB1_PORT=$((PORT + 1)) HUB2_PORT=$((PORT + 2))
BUS_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export BUS_KEY
"${COMPOSE[@]}" up -d >/dev/null 2>"$WORK/compose.log" || { cat "$WORK/compose.log" >&2; fail "docker-compose up failed"; }
wait_http "http://127.0.0.1:$HUB1_PORT/healthz" || fail "hub1 never became healthy (Redis reachable?)"
wait_http "http://127.0.0.1:$HUB2_PORT/healthz" || fail "hub2 never became healthy (Redis reachable?)"
node deploy/smoke-client.mjs "ws://127.0.0.1:$HUB1_PORT" "ws://127.0.0.1:$HUB2_PORT" || fail "the clients did not meet through the hubs"
"${COMPOSE[@]}" down -t 5 >/dev/null 2>&1
took "$t" compose
took "$START" total
echo "smoke: ALL CONTAINER SMOKE TESTS PASSED"
