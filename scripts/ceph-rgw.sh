#!/usr/bin/env bash
# ceph-rgw.sh: a throwaway single-node Ceph cluster (Pacific 16.2, Debian bookworm
# packages) with one RADOS Gateway (S3 API) on 127.0.0.1, for tests. It follows what Ceph's
# src/vstart.sh does for developers: one mon, one OSD, no mgr, pools of size 1.
#
# Needs, once:  apt-get update && apt-get install -y --no-install-recommends \
#                   ceph-mon ceph-osd radosgw ceph-common        (+ ceph-mgr if WITH_MGR=1)
# Runs as root or as any user that can write DIR; needs no systemd. Everything lives in DIR.
#
# Usage:
#   ceph-rgw.sh up [DIR]   DIR must be absent or empty (default: a new `mktemp -d` dir).
#                             On success it prints KEY=VALUE lines on stdout:
#                               CEPH_RGW_DIR  S3_ENDPOINT  AWS_ACCESS_KEY_ID
#                               AWS_SECRET_ACCESS_KEY  AWS_REGION
#                             (`set -a; . <(ceph-rgw.sh up); set +a` or eval them).
#                             Progress goes to stderr. On failure it prints the logs' tails,
#                             stops what it started, removes DIR and exits non-zero.
#   ceph-rgw.sh down DIR   stops the daemons started in DIR (by PID: TERM, then KILL after
#                             10 s) and removes DIR.
#
# Settings (environment):
#   OSD_STORE=bluestore|memstore  bluestore (default): objects in a sparse file DIR/osd.0/block,
#                                 OSD RSS ~200 MiB. memstore: objects in the OSD's RAM
#                                 (~2x the stored bytes, not given back), starts ~4 s faster.
#   STORE_BYTES=8589934592        size of the block file / of memstore's pretend device. When
#                                 stored data passes 95% of it the OSD is "full" and S3 writes
#                                 stall for minutes (then 408), so size it well above the tests'
#                                 data. Deleted objects are freed by RGW's GC within ~10 s.
#   RGW_PORT=<port>               default: a free port picked at random.
#   WITH_MGR=0|1                  also start a ceph-mgr (not needed for S3; +300 MiB RSS).
#   S3_ACCESS_KEY, S3_SECRET_KEY  default: random.
#   UP_TIMEOUT=90                 seconds allowed for each wait.
#   RADOS_OP_TIMEOUT=30           RGW's per-RADOS-op timeout (0: wait forever).
set -euo pipefail

OSD_STORE=${OSD_STORE:-bluestore}
STORE_BYTES=${STORE_BYTES:-8589934592}
WITH_MGR=${WITH_MGR:-0}
UP_TIMEOUT=${UP_TIMEOUT:-90}
RADOS_OP_TIMEOUT=${RADOS_OP_TIMEOUT:-30}

die() { echo "ceph-rgw-up: $*" >&2; exit 1; }
log() { echo "ceph-rgw-up: $*" >&2; }

# --- teardown --------------------------------------------------------------------------
ours() {                  # ours PID DIR: PID is alive (not a zombie) and runs with DIR's conf
  local pid=$1 dir=$2 st
  [ -r "/proc/$pid/stat" ] || return 1
  st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || return 1
  [ "$st" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $dir/ceph.conf "
}
stop_pids() {             # stop_pids DIR NAME...: TERM each, wait up to 10 s, then KILL
  local dir=$1 n pid i pids=(); shift
  for n in "$@"; do
    [ -f "$dir/pids/$n" ] || continue
    pid=$(cat "$dir/pids/$n")
    if ours "$pid" "$dir"; then kill -TERM "$pid" 2>/dev/null && pids+=("$pid"); fi
  done
  for pid in ${pids[@]+"${pids[@]}"}; do
    for i in $(seq 1 100); do
      ours "$pid" "$dir" || break
      sleep 0.1
    done
    if ours "$pid" "$dir"; then
      log "pid $pid did not stop on TERM within 10 s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}
down() {
  local dir=$1
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/ceph.conf" ] && [ -d "$dir/pids" ] || die "refusing to remove $dir: not made by this script"
  # One at a time, clients first: radosgw's shutdown still talks to the OSD, and an OSD
  # whose mon is gone waits for it; stopping all at once takes 5-10 s longer.
  stop_pids "$dir" rgw
  stop_pids "$dir" mgr
  stop_pids "$dir" osd
  stop_pids "$dir" mon
  rm -rf -- "$dir"
}

# --- helpers ---------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {             # free_port [AVOID_LO AVOID_HI]: a random port nobody listens on
  # Below the kernel's ephemeral range (ip_local_port_range, 32768 by default), leaving room for
  # the mon's 200 daemon ports: a port in that range can be taken, between this check and the
  # daemon's bind, as the local port of any outgoing connection (the daemons' own, to the mon),
  # and the bind then fails with "Address already in use".
  local p i low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 12000 ] 2>/dev/null || low=32768
  for i in $(seq 1 200); do
    p=$(( 10000 + RANDOM % (low - 10000 - 250) ))
    if [ -n "${1:-}" ] && [ "$p" -ge "$1" ] && [ "$p" -le "$2" ]; then continue; fi
    port_busy "$p" || { echo "$p"; return 0; }
  done
  return 1
}
rand_str() { LC_ALL=C tr -dc "$1" </dev/urandom 2>/dev/null | head -c "$2" || true; }
http_200() {              # http_200 PORT: GET / answers 200 (anonymous ListBuckets)
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  IFS= read -r -t 5 line <&3 || line=
  exec 3<&- 3>&-
  case "$line" in "HTTP/1."?" 200"*) return 0 ;; *) return 1 ;; esac
}
wait_for() {              # wait_for WHAT PID COMMAND...: poll COMMAND while PID lives
  local what=$1 pid=$2 deadline=$(( SECONDS + UP_TIMEOUT )); shift 2
  while [ "$SECONDS" -lt "$deadline" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    ours "$pid" "$DIR" || { log "$what: daemon (pid $pid) exited"; return 1; }
    sleep 0.2
  done
  log "$what: not ready after ${UP_TIMEOUT}s"; return 1
}
start_daemon() {          # start_daemon NAME BINARY ARGS...: foreground (-f), own session
  local name=$1 bin=$2; shift 2
  setsid "$bin" -c "$DIR/ceph.conf" "$@" -f </dev/null >>"$DIR/log/$name.out" 2>&1 &
  echo $! >"$DIR/pids/$name"
  log "started $name (pid $!)"
}
osd_up() { timeout 10 ceph osd dump 2>/dev/null | grep -q '^osd\.0 up '; }
on_exit() {
  local rc=$?
  [ "$rc" -ne 0 ] || return 0
  log "failed (rc=$rc); log tails:"
  tail -n 15 "$DIR"/log/*.out "$DIR"/log/mon.a.log "$DIR"/log/osd.0.log \
      "$DIR"/log/client.rgw.x.log >&2 2>/dev/null || true
  if [ -f "$DIR/ceph.conf" ]; then down "$DIR" || true
  else rm -rf -- "$DIR"/{mon.a,osd.0,mgr.x,rgw.x,run,log,crash,pids}; rmdir -- "$DIR" 2>/dev/null || true
  fi
}

# --- bring-up --------------------------------------------------------------------------
up() {
  DIR=${1:-}
  [ -n "$DIR" ] || DIR=$(mktemp -d -t ceph-rgw.XXXXXX)
  mkdir -p "$DIR"
  [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty"
  DIR=$(cd "$DIR" && pwd)
  local b
  for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool setsid timeout; do
    command -v "$b" >/dev/null || die "$b not found: apt-get install ceph-mon ceph-osd radosgw ceph-common"
  done
  [ "$WITH_MGR" = 0 ] || command -v ceph-mgr >/dev/null || die "ceph-mgr not found"
  case "$OSD_STORE" in bluestore|memstore) ;; *) die "OSD_STORE must be bluestore or memstore" ;; esac
  trap on_exit EXIT

  local t0=$SECONDS fsid osd_uuid mon_port conf kr ak sk
  fsid=$(cat /proc/sys/kernel/random/uuid); osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port) || die "no free port"
  # daemons other than the mon bind in [mon_port+1, mon_port+200]; keep the RGW port apart
  RGW_PORT=${RGW_PORT:-$(free_port "$mon_port" $(( mon_port + 200 )))} || die "no free port"
  mkdir -p "$DIR"/{mon.a,osd.0,mgr.x,rgw.x,run,log,crash,pids}
  conf=$DIR/ceph.conf; kr=$DIR/keyring
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind port min = $(( mon_port + 1 ))
ms bind port max = $(( mon_port + 200 ))
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $kr
run dir = $DIR/run
admin socket = $DIR/run/\$cluster-\$name.asok
pid file = $DIR/run/\$cluster-\$name.pid
log file = $DIR/log/\$name.log
crash dir = $DIR/crash
log to stderr = false
err to stderr = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
# one mon: commit map changes (e.g. RGW creating its pools) at once, not once a second;
# this takes bring-up from ~13 s to ~2-6 s
paxos propose interval = 0.05
paxos min wait = 0.01
[client]
admin socket = $DIR/run/\$cluster-\$name.\$pid.asok
[mon]
mon data = $DIR/mon.\$id
mon cluster log file = $DIR/log/cluster.log
[mgr]
mgr data = $DIR/mgr.\$id
[osd]
osd data = $DIR/osd.\$id
osd objectstore = $OSD_STORE
osd memory target = 1073741824
osd mon shutdown timeout = 1
memstore device bytes = $STORE_BYTES
bluestore block create = true
bluestore block size = $STORE_BYTES
bluestore fsck on mkfs = false
bluestore fsck on mount = false
[client.rgw.x]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DIR/rgw.\$id
# deleted objects' data is freed by RGW's garbage collector, by default after 2 h
rgw gc obj min wait = 5
rgw gc processor period = 5
rgw gc processor max time = 5
# the tests upload parts far smaller than S3's 5 MiB minimum (the reference servers check their
# own, configurable minimum, e.g. CV-COMPLETE-MIN-SIZE); RGW's own check would refuse them
rgw multipart min part size = 1
# a full OSD pauses writes; with a timeout S3 requests end (408) instead of hanging
rados osd op timeout = $RADOS_OP_TIMEOUT
EOF
  export CEPH_CONF=$conf

  # every entity's key goes into one keyring; ceph-mon --mkfs imports them all
  ceph-authtool "$kr" --create-keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
      --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n osd.0 --cap mon 'allow profile osd' \
      --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n mgr.x --cap mon 'allow profile mgr' --cap osd 'allow *' \
      --cap mds 'allow *' >/dev/null
  ceph-authtool "$kr" --gen-key -n client.rgw.x --cap mon 'allow rw' --cap osd 'allow rwx' \
      --cap mgr 'allow rw' >/dev/null

  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" \
      "$DIR/monmap" >/dev/null
  timeout 60 ceph-mon -c "$conf" --mkfs -i a --monmap "$DIR/monmap" --keyring "$kr" \
      >>"$DIR/log/mkfs.out" 2>&1
  # the OSD is formatted offline, from the monmap
  timeout 120 ceph-osd -c "$conf" -i 0 --mkfs --no-mon-config --osd-uuid "$osd_uuid" \
      --monmap "$DIR/monmap" >>"$DIR/log/mkfs.out" 2>&1
  start_daemon mon ceph-mon -i a
  wait_for mon "$(cat "$DIR/pids/mon")" timeout 10 ceph --connect-timeout 5 mon stat
  log "mon up after $(( SECONDS - t0 ))s"

  # register osd.0 (its key is already in the mon, from the mkfs keyring)
  timeout 30 ceph osd new "$osd_uuid" 0 >/dev/null
  start_daemon osd ceph-osd -i 0
  [ "$WITH_MGR" = 0 ] || start_daemon mgr ceph-mgr -i x
  wait_for osd.0 "$(cat "$DIR/pids/osd")" osd_up
  log "osd up after $(( SECONDS - t0 ))s"

  start_daemon rgw radosgw -n client.rgw.x
  wait_for radosgw "$(cat "$DIR/pids/rgw")" http_200 "$RGW_PORT"
  log "radosgw up after $(( SECONDS - t0 ))s"

  ak=${S3_ACCESS_KEY:-$(rand_str 'A-Z0-9' 20)}
  sk=${S3_SECRET_KEY:-$(rand_str 'A-Za-z0-9' 40)}
  timeout 60 radosgw-admin user create --uid=ci --display-name=ci \
      --access-key="$ak" --secret-key="$sk" >"$DIR/user.json" 2>>"$DIR/log/radosgw-admin.out"
  log "S3 user ready after $(( SECONDS - t0 ))s; stop with: $0 down $DIR"
  trap - EXIT
  printf '%s\n' "CEPH_RGW_DIR=$DIR" "S3_ENDPOINT=http://127.0.0.1:$RGW_PORT" \
      "AWS_ACCESS_KEY_ID=$ak" "AWS_SECRET_ACCESS_KEY=$sk" "AWS_REGION=us-east-1"
}

case "${1:-}" in
  up)   shift; up "$@" ;;
  down) [ -n "${2:-}" ] || die "usage: $0 down DIR"; down "$2" ;;
  *)    echo "usage: $0 up [DIR] | $0 down DIR" >&2; exit 2 ;;
esac
