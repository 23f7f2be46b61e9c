#!/bin/bash
# The package installation test (issue 11): build the five Debian packages
# from this tree with dpkg-buildpackage (lintian with the documented
# overrides must pass), install them with dpkg into a throw-away root and
# run the installed services there as their systemd units say:
#
#   the root:    an overlay of this machine's own / (lower, read-only) with
#                a tmpfs upper layer, in private mount, PID and network
#                namespaces, entered with chroot. dpkg, adduser and the
#                maintainer scripts run for real inside it; nothing they
#                write reaches this machine. (debootstrap would need a
#                network mirror and minutes per run; the overlay gives the
#                same Debian 12 base in a second.)
#   the units:   no systemd runs here, so tests/scripts/deploy_unit_run
#                plays its part: it reads the installed unit file (User=,
#                EnvironmentFile=, WorkingDirectory=, ExecStart= with
#                systemd's ${VAR}/$VAR rules) and starts the command as the
#                unit's user with no new privileges and an empty capability
#                bounding set; stop is SIGTERM, then SIGKILL after
#                TimeoutStopSec= (a SIGKILL fails the test).
#
# Then: central PostgreSQL (Unix socket) with the installed central
# receiver, the installed station and sync daemon; an officer logs in to
# the station, inspects a passport and admits the traveller; the movement
# reaches the central database; every service stops on SIGTERM; the
# record is in both stores once, audit chains intact.
#
# Only in the normal build: it builds its own packages (minutes of CPU),
# which a sanitizer build would repeat for nothing.
set -eu
: "${TDV_SRC:?}" "${TDV_BUILD:?}"

if [ "${TDV_SANITIZE:-0}" = "1" ] || [ "${TDV_SANITIZE:-}" = "true" ]; then
	echo "SKIP deploy_packages: sanitizer build (the package test builds its own" \
	     "packages and runs in the normal build only)"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP deploy_packages: needs root (dpkg into a chroot, mount and network namespaces)"
	exit 77
fi
if ! unshare -m -n true 2>/dev/null; then
	echo "SKIP deploy_packages: this machine refuses mount/network namespaces (unshare -m -n)"
	exit 77
fi

# The packages carry the station and sync commands and the web assets;
# a tree without them is broken, not a reason to skip.
: "${TDVERIFY:?}"
for c in serve sync setup; do
	if ! "$TDVERIFY" "$c" --help >/dev/null 2>&1; then
		echo "FAIL deploy_packages: this tree's tdverify has no working '$c' command"
		exit 1
	fi
done
[ -f "$TDV_SRC/web/index.html" ] || { echo "FAIL deploy_packages: no web/index.html (station assets)"; exit 1; }

"$TDV_SRC/scripts/install-deps" --deb

work=$(mktemp -d /tmp/tdv-deploy.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

t0=$(date +%s)
if [ -n "${TDV_DEPLOY_DEBS:-}" ]; then
	# development only: reuse packages an earlier run built (and linted)
	echo "deploy: REUSING the packages in $TDV_DEPLOY_DEBS (TDV_DEPLOY_DEBS is set)"
	mkdir -p "$work/debs" && cp "$TDV_DEPLOY_DEBS"/*.deb "$TDV_DEPLOY_DEBS"/lintian.txt "$work/debs/"
else
	echo "deploy: building packages (dpkg-buildpackage, lintian) in $work/debs"
	DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" nice -n 5 "$TDV_SRC/debian/make-deb" "$work/debs"
fi
t1=$(date +%s)
echo "deploy: packages built and lintian-checked in $((t1 - t0)) s"
for p in libtdverify libtdverify-dev tdverify tdverify-station tdverify-central; do
	ls "$work/debs/${p}_"*.deb >/dev/null 2>&1 || { echo "FAIL: package $p not built"; exit 1; }
done
if grep -q '^E:' "$work/debs/lintian.txt"; then
	echo "FAIL: lintian errors"; cat "$work/debs/lintian.txt"; exit 1
fi
if grep '^[WI]:' "$work/debs/lintian.txt"; then
	echo "FAIL: lintian warnings beyond the overrides"; exit 1
fi
echo "ok   lintian: no errors or warnings beyond debian/*.lintian-overrides"

# systemd's own verdict on the installed units' confinement (offline).
if command -v systemd-analyze >/dev/null 2>&1; then
	for u in "$TDV_SRC"/systemd/*.service; do
		score=$(systemd-analyze security --offline=yes --no-pager "$u" 2>/dev/null \
			| sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		[ -n "$score" ] || { echo "FAIL: systemd-analyze gave no score for $u"; exit 1; }
		echo "ok   $(basename "$u"): systemd-analyze security exposure $score"
		awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' \
			|| { echo "FAIL: exposure $score above 2.0"; exit 1; }
	done
fi

mkdir -p "$work/debs-install"
cp "$work"/debs/*.deb "$work/debs-install/"
rm -f "$work"/debs-install/*dbgsym*

# Inside the namespaces: build the root, install, run, check.
unshare --mount --net --pid --fork --kill-child \
	bash "$TDV_SRC/tests/scripts/deploy_root.inc" "$work" "$TDV_SRC"
t2=$(date +%s)
echo "deploy: install and run test took $((t2 - t1)) s (total $((t2 - t0)) s)"
echo "deploy_packages: all passed"
