#!/usr/bin/env bash
# Installs what the tests need that Go does not bring:
#   - as root on Debian: the chromium package and fonts-liberation (the font the charts are
#     measured in), for the report's browser tests (reports/html_browser_test.go), and
#     libxml2-utils for xmllint, which checks junit.xml against Jenkins xunit-plugin's
#     junit-10.xsd (reports/junit_xsd_test.go);
# and the emulators the live backend tests run against, into the git-ignored .tools/:
#   - npm fauxqs (an SQS emulator): 2.4.1 on Node >= 22.5, else 1.9.2 (which runs on Node 20);
#   - npm dynalite@4.0.0 (a DynamoDB emulator);
#   - .tools/fauxqs-server.mjs, which starts fauxqs bound to 127.0.0.1 (its CLI binds 0.0.0.0)
#     and runs its timers in the background (see the file).
# Idempotent: a second run with everything in place changes nothing and says so.
# When it cannot (no node or npm, npm install failed) it says why: under CI=true that fails
# (exit 1), elsewhere it exits 0 and the tests that need the emulators skip, saying why.
# Usage: bash scripts/tools.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
prefix="$tools/node"
dynalite_version=4.0.0

# give_up reports what is missing: fatal under CI=true, a notice elsewhere.
give_up() {
	if [[ "${CI:-}" == "true" ]]; then
		echo "tools: FAIL: $1" >&2
		exit 1
	fi
	echo "tools: skipped: $1; the tests against the emulators will skip" >&2
	exit 0
}

# ensure_browser installs headless Chromium and Liberation Sans through apt when either is
# missing. When it cannot (not root, no apt-get, the install failed): fatal under CI=true,
# elsewhere a notice (the browser tests then skip) and the emulators are still installed.
ensure_browser() {
	local pkgs=(chromium fonts-liberation)
	if command -v chromium >/dev/null && fc-list 2>/dev/null | grep -q "Liberation Sans"; then
		echo "tools: ${pkgs[*]} already installed"
		return
	fi
	if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
		browser_missing "${pkgs[*]} missing, and installing them needs root and apt-get"
		return
	fi
	echo "tools: installing ${pkgs[*]} with apt-get"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}"; then
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" ||
			browser_missing "apt-get install ${pkgs[*]} failed (see the lines above)"
	fi
}

# browser_missing reports that the browser tests cannot run: fatal under CI=true.
browser_missing() {
	if [[ "${CI:-}" == "true" ]]; then
		echo "tools: FAIL: $1" >&2
		exit 1
	fi
	echo "tools: skipped: $1; the report's browser tests will skip" >&2
}

# missing reports a tool that could not be installed: fatal under CI=true, a notice elsewhere
# (the script goes on with the other tools).
missing() {
	if [[ "${CI:-}" == "true" ]]; then
		echo "tools: FAIL: $1" >&2
		exit 1
	fi
	echo "tools: skipped: $1; the tests that need it will skip" >&2
}

# apt_tool installs Debian package $2 for command $1 unless the command is there, with apt-get
# as root on Debian, refreshing the package lists only when the install fails without it.
apt_tool() {
	local cmd="$1" pkg="$2" log="$tools/apt-tools.log"
	local args=(-y -q --no-install-recommends install "$pkg")
	if command -v "$cmd" >/dev/null; then
		echo "tools: $cmd already installed ($pkg)"
		return
	fi
	if [[ "$(id -u)" != 0 || ! -f /etc/debian_version ]]; then
		missing "$cmd is not installed and this is not root on Debian: install $pkg yourself"
		return
	fi
	echo "tools: installing $pkg with apt-get (--no-install-recommends)"
	mkdir -p "$tools"
	if ! DEBIAN_FRONTEND=noninteractive apt-get "${args[@]}" >"$log" 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get -q update >>"$log" 2>&1 || true
		if ! DEBIAN_FRONTEND=noninteractive apt-get "${args[@]}" >>"$log" 2>&1; then
			missing "apt-get install $pkg failed (see $log): $(tail -n 1 "$log")"
			return
		fi
	fi
	command -v "$cmd" >/dev/null || missing "$pkg is installed but $cmd is not on PATH"
}

ensure_browser
apt_tool xmllint libxml2-utils
command -v node >/dev/null || give_up "node is not installed (need Node >= 20)"
command -v npm >/dev/null || give_up "npm is not installed"

# fauxqs_version picks the newest fauxqs the installed Node can run.
fauxqs_version() {
	local v major minor
	v="$(node --version)"
	v="${v#v}"
	major="${v%%.*}"
	minor="$(echo "$v" | cut -d. -f2)"
	if ((major > 22 || (major == 22 && minor >= 5))); then
		echo 2.4.1
	else
		echo 1.9.2
	fi
}

# installed prints the installed version of npm package $1 under $prefix, or nothing.
installed() {
	local pj="$prefix/node_modules/$1/package.json"
	[[ -f "$pj" ]] && node -e 'process.stdout.write(require(process.argv[1]).version)' "$pj" || true
}

# ensure installs npm package $1 at version $2 unless it is there already.
ensure() {
	local have
	have="$(installed "$1")"
	if [[ "$have" == "$2" ]]; then
		echo "tools: $1@$2 already installed in $prefix"
		return
	fi
	echo "tools: installing $1@$2 into $prefix (node $(node --version))"
	mkdir -p "$prefix"
	npm install --prefix "$prefix" --save-exact --no-audit --no-fund --loglevel=error "$1@$2" ||
		give_up "npm install $1@$2 failed (see the lines above)"
}

# write_server writes the fauxqs launcher unless it is already there with the same content.
write_server() {
	local file="$tools/fauxqs-server.mjs" tmp
	tmp="$(mktemp)"
	cat >"$tmp" <<'EOF'
// Starts fauxqs on 127.0.0.1 (its CLI binds 0.0.0.0). Port from argv[2] or FAUXQS_PORT.
// Written by scripts/tools.sh.
//
// fauxqs moves messages whose delay or visibility timeout has ended only when their queue
// is received from, so GetQueueAttributes counts lag until then; SQS moves them in the
// background. The store's timers are run every 50 ms here to do the same. The package
// exports only buildApp, so the store is imported by path (the module app.js uses).
import { buildApp } from "./node/node_modules/fauxqs/dist/app.js";

const port = Number(process.argv[2] ?? process.env.FAUXQS_PORT ?? 4566);
let stores;
try {
  const { SqsStore } = await import("./node/node_modules/fauxqs/dist/sqs/sqsStore.js");
  const sqsStore = new SqsStore();
  setInterval(() => sqsStore.processAllTimers(), 50);
  stores = { sqsStore };
} catch (err) {
  console.error(`fauxqs-server: queue counts will lag until a receive: ${err.message}`);
}
const app = buildApp({ logger: false, host: "localhost", stores });
await app.listen({ port, host: "127.0.0.1" });
console.log(`fauxqs listening on http://127.0.0.1:${port}`);
EOF
	if cmp -s "$tmp" "$file"; then
		rm -f "$tmp"
		echo "tools: $file up to date"
		return
	fi
	mv "$tmp" "$file"
	echo "tools: wrote $file"
}

ensure fauxqs "$(fauxqs_version)"
ensure dynalite "$dynalite_version"
write_server
