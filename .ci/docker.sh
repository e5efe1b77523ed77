# shellcheck shell=bash
# Sourced by .ci/run: a Docker daemon for the container tests that leaves the machine as it was.
#
# dockerd runs in a network namespace of its own (sshjd-ID), started with `nsenter --net`: its
# docker0, its iptables chains and its ip_forward live there, and the root namespace is never
# touched (started in the root namespace, dockerd would set the FORWARD policy to DROP, add NAT
# rules and turn ip_forward on). `ip netns exec` cannot start it: it remounts /sys, and dockerd
# then stops with "Devices cgroup isn't mounted". Everything of a run is named after its ID: the
# namespace, the state directory (data-root, exec-root, socket, pid file, log), the containers'
# cgroup parent and a lock file held for as long as the run lives. A run that was killed is reaped
# by the next one (sshjd_reap_stale): its lock is free, so its dockerd, what is left in its
# namespace, its containers' processes, its mounts, its directory and its namespace go, by PID
# and by name, never by a process name.
#
# Nothing is pulled: the base image is made with debootstrap from Debian's packages and cached per
# machine under a key of its recipe; the JDK image is a jlink'd runtime of the build JDK.

SSHJD_PREFIX=sshjd-
SSHJD_LOCKS=/run/sshjd
SSHJD_TMP=${SSHJD_TMP:-/tmp}
SSHJD_CACHE=${SSHJD_CACHE:-/var/cache/sshuttle-java/docker}
# what the images need that debian:bookworm-slim lacks (so the Dockerfiles install nothing in CI)
SSHJD_BASE_PACKAGES=openssh-server,openssh-client,python3,iptables,nftables,iproute2,procps,curl
# the runtime of the client, target, fault proxy and ContainerProbe (jdeps of the jar and of it's classes, plus providers)
SSHJD_JDK_MODULES=java.se,jdk.unsupported,jdk.httpserver,jdk.security.auth,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.zipfs,jdk.net,jdk.naming.dns,jdk.management

sshjd_log() { echo "ci docker: $*"; }

# Whether PID $1 is the dockerd of state directory $2 (not some other process that got the PID).
sshjd_is_dockerd_of() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q -- "--exec-root $2/exec "
}

# The containers' cgroup parent for run $1: under this process's own memory cgroup on cgroup v1
# (containers stay inside this machine's memory accounting), at the root on cgroup v2.
sshjd_cgroup_parent() {
  local mem
  mem=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
  echo "${mem%/}/${SSHJD_PREFIX}$1"
}

# Lazily unmounts every mount under directory $1, deepest first.
sshjd_umount_under() {
  awk -v d="$1/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

# Removes everything of run $1, whatever state it was left in.
sshjd_teardown() {
  local id=$1 dir=$SSHJD_TMP/${SSHJD_PREFIX}$1 ns=${SSHJD_PREFIX}$1 pid p cg d
  pid=$(cat "$dir/dockerd.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && sshjd_is_dockerd_of "$pid" "$dir"; then
    kill -TERM "$pid" 2>/dev/null || true   # dockerd stops its containers and its containerd
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ -e "/run/netns/$ns" ]; then
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done   # containerd, shims, docker-proxy
  fi
  cg=$(cat "$SSHJD_LOCKS/$id.cgroup" 2>/dev/null || true)
  if [ -n "$cg" ]; then
    for d in /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg"; do
      [ -d "$d" ] || continue
      for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    done
    sleep 0.2
    for d in /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg"; do
      if [ -d "$d" ]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
    done
  fi
  sshjd_umount_under "$dir"
  rm -rf "$dir"
  if [ -e "/run/netns/$ns" ]; then ip netns del "$ns" 2>/dev/null || true; fi
  rm -f "$SSHJD_LOCKS/$id.lock" "$SSHJD_LOCKS/$id.cgroup"
}

# Reaps the runs whose owner is gone: a lock nobody holds, or a namespace or directory without a lock.
sshjd_reap_stale() {
  local lock id ns dir
  mkdir -p "$SSHJD_LOCKS"
  for lock in "$SSHJD_LOCKS"/*.lock; do
    [ -e "$lock" ] || continue
    id=$(basename "$lock" .lock)
    if flock -n "$lock" true 2>/dev/null; then
      sshjd_log "reaping run $id (its owner is gone)"
      sshjd_teardown "$id"
    fi
  done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$SSHJD_PREFIX" || true); do
    id=${ns#"$SSHJD_PREFIX"}
    [ -e "$SSHJD_LOCKS/$id.lock" ] || { sshjd_log "reaping namespace $ns (no lock)"; sshjd_teardown "$id"; }
  done
  for dir in "$SSHJD_TMP/$SSHJD_PREFIX"*; do
    [ -d "$dir" ] || continue
    id=${dir##*/"$SSHJD_PREFIX"}
    [ -e "$SSHJD_LOCKS/$id.lock" ] || { sshjd_log "reaping $dir (no lock)"; sshjd_teardown "$id"; }
  done
}

# Starts this run's dockerd; sets SSHJD_ID, SSHJD_DIR, SSHJD_NETNS and exports DOCKER_HOST.
# Holds the run's lock on fd 9 (the kernel drops it when this shell and its children are gone).
sshjd_start() {
  local cg i
  SSHJD_ID=$(tr -dc 'a-z0-9' < /dev/urandom | head -c 8 || true)
  SSHJD_DIR=$SSHJD_TMP/$SSHJD_PREFIX$SSHJD_ID
  SSHJD_NETNS=$SSHJD_PREFIX$SSHJD_ID
  mkdir -p "$SSHJD_LOCKS"
  # lock under a temporary name, then rename: a reaper never sees the final name unlocked
  exec 9> "$SSHJD_LOCKS/.$SSHJD_ID.new"
  flock -n 9
  mv "$SSHJD_LOCKS/.$SSHJD_ID.new" "$SSHJD_LOCKS/$SSHJD_ID.lock"
  cg=$(sshjd_cgroup_parent "$SSHJD_ID")
  echo "$cg" > "$SSHJD_LOCKS/$SSHJD_ID.cgroup"
  SSHJD_FORWARD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
  ip netns add "$SSHJD_NETNS"
  ip -n "$SSHJD_NETNS" link set lo up
  mkdir -p "$SSHJD_DIR"
  echo '{}' > "$SSHJD_DIR/daemon.json"   # no /etc/docker/daemon.json of the machine
  # 9>&-: the daemon must not hold the run's lock, or a killed run would look alive forever
  nsenter --net="/run/netns/$SSHJD_NETNS" dockerd \
    --host "unix://$SSHJD_DIR/docker.sock" --data-root "$SSHJD_DIR/data" --exec-root "$SSHJD_DIR/exec" \
    --pidfile "$SSHJD_DIR/dockerd.pid" --cgroup-parent "$cg" --config-file "$SSHJD_DIR/daemon.json" \
    > "$SSHJD_DIR/dockerd.log" 2>&1 9>&- < /dev/null &
  export DOCKER_HOST="unix://$SSHJD_DIR/docker.sock"
  for i in $(seq 1 120); do
    if docker version > /dev/null 2>&1; then break; fi
    sleep 0.5
  done
  if ! docker version > /dev/null 2>&1; then
    sshjd_log "dockerd did not come up in 60 s; its log:"
    tail -30 "$SSHJD_DIR/dockerd.log"
    return 1
  fi
  sshjd_log "dockerd $(docker version --format '{{.Server.Version}}') up in namespace $SSHJD_NETNS (pid $(cat "$SSHJD_DIR/dockerd.pid"), state $SSHJD_DIR) after $((i / 2)) s"
}

# Stops this run (by its ID) and checks the root namespace was left alone; non-zero if it was not.
sshjd_stop() {
  local bad=0
  [ -n "${SSHJD_ID:-}" ] || return 0
  sshjd_teardown "$SSHJD_ID"
  exec 9>&-
  if ip link show docker0 > /dev/null 2>&1; then sshjd_log "ERROR: a docker0 exists in the root namespace"; bad=1; fi
  if iptables -t nat -S 2>/dev/null | grep -q DOCKER || iptables -S 2>/dev/null | grep -q DOCKER; then
    sshjd_log "ERROR: Docker chains in the root namespace's iptables"; bad=1
  fi
  if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "${SSHJD_FORWARD_BEFORE:-0}" ]; then
    sshjd_log "ERROR: ip_forward changed in the root namespace"; bad=1
  fi
  if [ -e "/run/netns/$SSHJD_NETNS" ] || [ -e "$SSHJD_DIR" ]; then sshjd_log "ERROR: $SSHJD_NETNS or $SSHJD_DIR is still there"; bad=1; fi
  [ $bad != 0 ] || sshjd_log "stopped; root namespace untouched (no docker0, no Docker chains, ip_forward ${SSHJD_FORWARD_BEFORE:-0}), $SSHJD_NETNS and $SSHJD_DIR gone"
  SSHJD_ID=
  return $bad
}

# The debian mirror apt uses on this machine (empty: debootstrap's default).
sshjd_mirror() {
  local m
  m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "$m"
}

# Runs "$2..." to make cache file $1 unless it exists: once per machine, under the cache lock.
sshjd_cached() {
  local file=$1; shift
  mkdir -p "$SSHJD_CACHE"
  (
    flock 8
    [ -s "$file" ] && exit 0
    for b in "$SSHJD_CACHE"/build.*; do   # what a killed build left
      if [ -e "$b" ]; then sshjd_umount_under "$b"; rm -rf "$b"; fi
    done
    "$@" "$file.tmp"
    mv "$file.tmp" "$file"
  ) 8> "$SSHJD_CACHE/.lock"
}

sshjd_make_base_tar() {
  local out=$1 build=$SSHJD_CACHE/build.$$ t0=$SECONDS
  sshjd_log "building the base image with debootstrap (once per machine)"
  # shellcheck disable=SC2046
  debootstrap --variant=minbase --include="$SSHJD_BASE_PACKAGES" bookworm "$build/root" $(sshjd_mirror) > "$build.log" 2>&1 \
    || { tail -20 "$build.log"; sshjd_umount_under "$build"; rm -rf "$build" "$build.log"; return 1; }
  # no package lists or .debs (smaller), no ssh host keys (each gateway container makes its own)
  rm -rf "$build"/root/var/cache/apt/archives/*.deb "$build"/root/var/lib/apt/lists/* "$build"/root/etc/ssh/ssh_host_*
  tar -C "$build/root" -cf "$out" .
  sshjd_umount_under "$build"; rm -rf "$build" "$build.log"
  sshjd_log "base image made in $((SECONDS - t0)) s ($(du -h "$out" | cut -f1))"
}

sshjd_make_jdk_tar() {
  local out=$1 build=$SSHJD_CACHE/build.$$
  mkdir -p "$build/opt/java"
  "$JAVA_HOME/bin/jlink" --add-modules "$SSHJD_JDK_MODULES" --strip-debug --no-man-pages --no-header-files \
    --output "$build/opt/java/openjdk"
  tar -C "$build" -cf "$out" .
  rm -rf "$build"
}

# Imports the base image (debootstrap, cached by a key of its recipe); exports SSHJ_BASE_IMAGE.
sshjd_base_image() {
  local key
  key=$( (declare -f sshjd_make_base_tar; echo "$SSHJD_BASE_PACKAGES bookworm minbase") | sha256sum | cut -c1-16)
  sshjd_cached "$SSHJD_CACHE/base-$key.tar" sshjd_make_base_tar
  docker import - "sshuttle-java/base:$key" < "$SSHJD_CACHE/base-$key.tar" > /dev/null
  export SSHJ_BASE_IMAGE=sshuttle-java/base:$key
}

# Imports a jlink'd runtime of the build JDK at /opt/java/openjdk; exports SSHJ_JDK_IMAGE.
sshjd_jdk_image() {
  local key
  key=$( ("$JAVA_HOME/bin/java" -version 2>&1; echo "$SSHJD_JDK_MODULES"; declare -f sshjd_make_jdk_tar) | sha256sum | cut -c1-16)
  sshjd_cached "$SSHJD_CACHE/jdk-$key.tar" sshjd_make_jdk_tar
  docker import - "sshuttle-java/jdk:$key" < "$SSHJD_CACHE/jdk-$key.tar" > /dev/null
  export SSHJ_JDK_IMAGE=sshuttle-java/jdk:$key
}

# The surefire test JVM, in the daemon's network namespace (-Djvm=...): it reaches the containers'
# addresses and published ports, and they reach it at host-gateway. Maven itself stays outside.
sshjd_test_jvm() {
  mkdir -p "$SSHJD_DIR/jvm/bin"
  cp "$JAVA_HOME/release" "$SSHJD_DIR/jvm/release"   # surefire reads the Java version from it
  printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s/bin/java "$@"\n' "$SSHJD_NETNS" "$JAVA_HOME" > "$SSHJD_DIR/jvm/bin/java"
  chmod +x "$SSHJD_DIR/jvm/bin/java"
  echo "$SSHJD_DIR/jvm/bin/java"
}
