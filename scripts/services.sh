#!/usr/bin/env bash
# Services the backend tests use, prepared before pytest; safe to run (or source) any number of times.
#  - installs openssh-server, docker.io, busybox-static, debootstrap and bubblewrap when missing (apt-get update only if needed);
#  - starts dockerd in the background when `docker info` fails, and waits up to ~60 s for it.
# sshd is NOT started here: the ssh tests start their own on a free port with throwaway keys.
# Nothing here is fatal: a service that cannot start leaves a warning, and its tests skip with the reason.
# What it changes on the system (packages installed, a dockerd started) is appended to $HERMES_CHANGES_FILE
# when set, so that scripts/test can report it and stop what it started.

_hermes_changed() { [ -z "${HERMES_CHANGES_FILE:-}" ] || echo "$*" >>"$HERMES_CHANGES_FILE"; }

_hermes_services() {
    local missing=() sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
    [ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing+=(busybox-static)
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)   # Harbor tasks' debian base image
    command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)           # the local backend's isolation
    if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "services.sh: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/hermes-apt.log 2>&1; then
            $sudo apt-get update >>/tmp/hermes-apt.log 2>&1
            $sudo apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/hermes-apt.log 2>&1 \
                || echo "services.sh: WARNING: could not install ${missing[*]} (see /tmp/hermes-apt.log)"
        fi
        local package
        for package in "${missing[@]}"; do
            dpkg -s "$package" >/dev/null 2>&1 && _hermes_changed "apt package installed: $package"
        done
    fi

    if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
        echo "services.sh: WARNING: docker is not installed; docker backend tests will skip"
        return 0
    fi
    if docker info >/dev/null 2>&1; then
        echo "services.sh: docker engine already running"
        return 0
    fi
    local log=/tmp/hermes-dockerd.log
    if ! pgrep -x dockerd >/dev/null 2>&1; then
        echo "services.sh: starting dockerd (log: $log)"
        nohup $sudo dockerd >"$log" 2>&1 </dev/null &
        echo $! >/tmp/hermes-dockerd.pid
        _hermes_changed "started dockerd pid $!"
    fi
    local i
    for i in $(seq 1 60); do
        if docker info >/dev/null 2>&1; then
            echo "services.sh: docker engine is up"
            return 0
        fi
        sleep 1
    done
    echo "services.sh: WARNING: dockerd did not come up within 60 s (see $log); docker backend tests will skip"
    tail -n 5 "$log" 2>/dev/null
    return 0
}

# Harbor tasks (plugins/hermes-env-harbor) start `FROM debian:bookworm-slim`; no registry is reachable here,
# so build that image from Debian's packages when the engine lacks it. Idempotent and never fatal.
_hermes_debian_image() {
    local sudo="" root log=/tmp/hermes-debootstrap.log
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    docker info >/dev/null 2>&1 || return 0
    docker image inspect debian:bookworm-slim >/dev/null 2>&1 && return 0
    if ! command -v debootstrap >/dev/null 2>&1; then
        echo "services.sh: WARNING: debootstrap missing; cannot build debian:bookworm-slim (Harbor tests will build or skip)"
        return 0
    fi
    echo "services.sh: building debian:bookworm-slim with debootstrap (~2 min, log: $log)"
    root=$(mktemp -d)
    if $sudo debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$log" 2>&1 \
        && $sudo tar -C "$root" -c . | docker import - debian:bookworm-slim >>"$log" 2>&1; then
        echo "services.sh: debian:bookworm-slim is ready"
        _hermes_changed "docker image imported: debian:bookworm-slim (debootstrap)"
    else
        echo "services.sh: WARNING: could not build debian:bookworm-slim (see $log)"
    fi
    $sudo rm -rf "$root"
    return 0
}

_hermes_services
_hermes_debian_image
unset -f _hermes_services _hermes_debian_image _hermes_changed
true
