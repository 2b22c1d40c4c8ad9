#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the container tests (envs: the fake API image,
# LocalStack). Nothing to do when `docker info` already answers. Otherwise, as root on Debian,
# it installs docker.io from Debian's packages (--no-install-recommends) when dockerd is missing
# and starts dockerd in the background, logging to .tools/dockerd.log, then waits (at most
# DOCKER_WAIT seconds, default 30) until `docker info` answers. DOCKERD_FLAGS adds flags to
# dockerd.
#
# When it cannot (not root, not Debian, the install or the start failed) it says why: under
# CI=true that fails (exit 1), elsewhere it exits 0 and the container tests skip, saying why.
# Idempotent: a second run finds the engine answering and changes nothing.
# Usage: bash scripts/docker.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
log="$tools/dockerd.log"
wait_s="${DOCKER_WAIT:-30}"

# give_up reports why no engine answers: fatal under CI=true, a notice elsewhere.
give_up() {
	if [[ "${CI:-}" == "true" ]]; then
		echo "docker: FAIL: $1" >&2
		exit 1
	fi
	echo "docker: skipped: $1; the container tests will skip" >&2
	exit 0
}

# answers reports whether a Docker engine answers.
answers() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

# running reports whether a dockerd started earlier is still alive (it may not answer yet).
running() {
	local pid
	[[ -f /var/run/docker.pid ]] || return 1
	pid="$(cat /var/run/docker.pid 2>/dev/null)" || return 1
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# install installs docker.io with apt-get, refreshing the package lists only when needed.
install() {
	local args=(-y -q --no-install-recommends install docker.io)
	echo "docker: installing docker.io with apt-get (--no-install-recommends)"
	if ! DEBIAN_FRONTEND=noninteractive apt-get "${args[@]}" >"$tools/apt.log" 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get -q update >>"$tools/apt.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get "${args[@]}" >>"$tools/apt.log" 2>&1 ||
			give_up "apt-get install docker.io failed (see $tools/apt.log): $(tail -n 1 "$tools/apt.log")"
	fi
	command -v dockerd >/dev/null || give_up "docker.io is installed but dockerd is not on PATH"
}

if answers; then
	echo "docker: engine answers (server $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
	exit 0
fi
[[ "$(id -u)" == 0 ]] || give_up "no Docker engine answers and this is not root, so it was neither installed nor started: start a Docker engine yourself"
[[ -f /etc/debian_version ]] || give_up "no Docker engine answers and this is not Debian, so docker.io was not installed: start a Docker engine yourself"
mkdir -p "$tools"
command -v dockerd >/dev/null || install
command -v docker >/dev/null || give_up "dockerd is installed but the docker CLI is not on PATH"

if running; then
	echo "docker: dockerd (pid $(cat /var/run/docker.pid)) is running; waiting for it to answer"
else
	echo "docker: starting dockerd in the background (log: $log)"
	# setsid: dockerd outlives make and the shell that started it.
	# shellcheck disable=SC2086 # DOCKERD_FLAGS is a list of flags
	setsid nohup dockerd ${DOCKERD_FLAGS:-} >"$log" 2>&1 </dev/null &
fi

start=$SECONDS
until answers; do
	if ((SECONDS - start >= wait_s)); then
		give_up "dockerd did not answer within ${wait_s}s; last lines of $log: $(tail -n 3 "$log" 2>/dev/null | tr '\n' ' ')"
	fi
	sleep 0.5
done
echo "docker: engine answers after $((SECONDS - start))s (server $(docker version --format '{{.Server.Version}}'))"
