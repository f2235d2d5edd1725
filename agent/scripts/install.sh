#!/bin/sh
# Installs, upgrades or removes the Prophasis agent on this host (docs/install-agent.md).
#
#   curl -fsSL http://CORE:8080/install.sh | sudo sh -s -- --url http://CORE:8080 \
#     --server CORE:8883 --ca-fingerprint HEX --token TOKEN --sha256 HEX
#
# The core prints this line (console: host page, Enrolment; CLI: `prophasis host add`). The
# console may be plain HTTP, so nothing here is trusted because of where it came from: the
# package list (SHA256SUMS) must have the SHA-256 given in the command and the package the hash
# that list gives it; the agent then enrols only with a core whose CA has the fingerprint given
# in the command. Everything is downloaded and verified before anything on the host changes.
#
# What it adds: the system user and group `prophasis`, the agent (with its own Node.js) in
# /opt/prophasis-agent/versions/<version> with the link /opt/prophasis-agent/current to it
# (docs/decisions/0009-agent-self-upgrade.md), its data directory /var/lib/prophasis-agent (mode 0700, the agent's
# credentials) and, where systemd runs, /etc/systemd/system/prophasis-agent.service.
# `--uninstall` removes exactly these. Needs a POSIX shell, tar, gzip, sha256sum (or shasum or
# openssl) and, to download, curl or wget; never the host's own Node.js.
set -eu

PREFIX=/opt/prophasis-agent
# Versions side by side, `current` links to the one that runs; bin, node and share at the top
# link through `current`, so /opt/prophasis-agent/bin/prophasis-agent is always the running one.
VERSIONS=$PREFIX/versions
DATA_DIR=/var/lib/prophasis-agent
UNIT_NAME=prophasis-agent.service
UNIT_FILE=/etc/systemd/system/$UNIT_NAME
# Root's side of upgrades from the core (docs/decisions/0009-agent-self-upgrade.md): the path
# unit starts the service for each request the agent leaves in its data directory.
UPGRADE_PATH_UNIT=prophasis-agent-upgrade.path
UPGRADE_SERVICE_UNIT=prophasis-agent-upgrade.service
AGENT_USER=prophasis
# SHA-256 of the token the current credentials were enrolled with: running the same line again
# skips the enrolment instead of failing on a used token.
TOKEN_FILE=$DATA_DIR/enrolled-token.sha256

usage() {
  cat <<'EOF'
Usage: install.sh [options]
  --url URL             the core's console, e.g. http://core:8080 (the packages are downloaded
                        from URL/downloads/)
  --package FILE        install this package file instead of downloading (air-gapped hosts);
                        SHA256SUMS may lie beside it
  --sha256 HEX          SHA-256 of the core's package list SHA256SUMS (as printed), or of the
                        package file itself; required
  --server HOST:PORT    the core's MQTT/TLS address the agent enrols and runs through
  --ca-fingerprint HEX  SHA-256 of the core's CA certificate; the agent refuses any other
  --pinned-pubkey PIN   sha256//BASE64 of the console's HTTPS public key: downloads from a
                        console whose certificate comes from the core's own CA (needs curl)
  --token TOKEN         single-use or fleet enrolment token (not needed to upgrade an enrolled agent)
  --foreground          where there is no systemd: run the agent in the foreground afterwards
  --no-start            install and enrol, but do not start the service
  --uninstall           stop the agent and remove everything this script added
  -h, --help            this text
EOF
}

say() { printf 'prophasis-install: %s\n' "$*"; }
warn() { printf 'prophasis-install: warning: %s\n' "$*" >&2; }
die() {
  printf 'prophasis-install: error: %s\n' "$*" >&2
  exit 1
}

URL='' PACKAGE='' SHA256='' SERVER='' CA_FINGERPRINT='' TOKEN='' PINNED_PUBKEY=''
FOREGROUND=0 NO_START=0 UNINSTALL=0

set_option() {
  case $1 in
    --url) URL=${2%/} ;;
    --package) PACKAGE=$2 ;;
    --sha256) SHA256=$(printf '%s' "$2" | tr 'A-F' 'a-f') ;;
    --server) SERVER=$2 ;;
    --ca-fingerprint) CA_FINGERPRINT=$2 ;;
    --token) TOKEN=$2 ;;
    --pinned-pubkey) PINNED_PUBKEY=$2 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
}

while [ $# -gt 0 ]; do
  case $1 in
    --url | --package | --sha256 | --server | --ca-fingerprint | --token | --pinned-pubkey)
      [ $# -ge 2 ] || die "$1 needs a value"
      set_option "$1" "$2"
      shift 2
      ;;
    --*=*)
      set_option "${1%%=*}" "${1#*=}"
      shift
      ;;
    --foreground) FOREGROUND=1 && shift ;;
    --no-start) NO_START=1 && shift ;;
    --uninstall) UNINSTALL=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1; }

require_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root: run it with sudo (the agent itself runs as the unprivileged user $AGENT_USER)"
}

has_systemd() { [ -d /run/systemd/system ] && have systemctl; }

# SHA-256 (lowercase hex) of standard input.
sha256_stdin() {
  if have sha256sum; then
    sha256sum | cut -d ' ' -f 1
  elif have shasum; then
    shasum -a 256 | cut -d ' ' -f 1
  elif have openssl; then
    openssl dgst -sha256 -r | cut -d ' ' -f 1
  else
    die "no sha256sum, shasum or openssl to verify the package with"
  fi
}
sha256_of() { sha256_stdin <"$1"; }

file_size() { wc -c <"$1" | tr -d ' '; }

# fetch URL FILE: downloads or fails with a message that says what happened.
fetch() {
  if have curl; then
    if [ -n "$PINNED_PUBKEY" ]; then
      # The console's certificate comes from the core's own CA, which this host does not trust:
      # curl checks the pinned public key instead (it does so even with --insecure).
      curl -fsSL --retry 2 --insecure --pinnedpubkey "$PINNED_PUBKEY" -o "$2" "$1"
    else
      curl -fsSL --retry 2 -o "$2" "$1"
    fi || {
      status=$?
      case $status in
        90) die "$1 presented another public key than --pinned-pubkey names (curl exit 90): not this core's console? Nothing was installed." ;;
        18) die "the download of $1 was cut short (curl: partial file, $(file_size "$2") bytes received). Nothing was installed." ;;
        22) die "$1 answered with an HTTP error (curl exit 22): is --url the core's console? Nothing was installed." ;;
        *) die "could not download $1 (curl exit $status). Nothing was installed." ;;
      esac
    }
  elif [ -n "$PINNED_PUBKEY" ]; then
    die "--pinned-pubkey needs curl (wget cannot pin a key); install curl, or copy the package here and use --package FILE"
  elif have wget; then
    wget -q -O "$2" "$1" || die "could not download $1 (wget failed). Nothing was installed."
  else
    die "neither curl nor wget is installed to download the agent; install one, or copy the package here and use --package FILE"
  fi
}

# The line of SHA256SUMS (file $1) for the file name $2: prints its hash, fails if absent.
sums_lookup() {
  awk -v name="$2" '$2 == name || $2 == "*" name { print tolower($1); found = 1; exit } END { exit !found }' "$1"
}

detect_platform() {
  [ "$(uname -s)" = Linux ] || die "the agent packages are for Linux; this is $(uname -s)"
  case $(uname -m) in
    x86_64 | amd64) PLATFORM=linux-x64 ;;
    aarch64 | arm64) PLATFORM=linux-arm64 ;;
    *) die "no agent package for this machine's architecture ($(uname -m)); the core builds linux-x64 and linux-arm64" ;;
  esac
  for loader in /lib/ld-musl-*; do
    [ -e "$loader" ] && die "this system uses the musl C library ($loader); the Node.js runtime in the agent package needs glibc"
  done
  return 0
}

# Puts the verified package at $WORK/package.tar.gz, or stops before anything changed.
acquire_package() {
  name=prophasis-agent-$PLATFORM.tar.gz
  if [ -n "$PACKAGE" ]; then
    [ -f "$PACKAGE" ] || die "no such package file: $PACKAGE"
    cp "$PACKAGE" "$WORK/package.tar.gz" # verify and unpack the same bytes
    actual=$(sha256_of "$WORK/package.tar.gz")
    [ "$actual" = "$SHA256" ] && return 0
    sums=$(dirname "$PACKAGE")/SHA256SUMS
    [ -f "$sums" ] || die "$PACKAGE does not have the SHA-256 given with --sha256 (expected $SHA256, the file has $actual), and there is no SHA256SUMS beside it. Nothing was installed."
    cp "$sums" "$WORK/SHA256SUMS"
    name=$(basename "$PACKAGE")
    list_source=$sums
  else
    fetch "$URL/downloads/SHA256SUMS" "$WORK/SHA256SUMS"
    list_source="$URL/downloads/SHA256SUMS"
  fi
  actual=$(sha256_of "$WORK/SHA256SUMS")
  [ "$actual" = "$SHA256" ] || die "the package list $list_source does not have the SHA-256 given with --sha256 (expected $SHA256, got $actual): it was altered, or it is another core's or another build's. Ask the core for a new install line. Nothing was installed."
  expected=$(sums_lookup "$WORK/SHA256SUMS" "$name") ||
    die "the core offers no package named $name (it lists: $(awk '{ printf "%s ", $2 }' "$WORK/SHA256SUMS")). Nothing was installed."
  [ -n "$PACKAGE" ] || fetch "$URL/downloads/$name" "$WORK/package.tar.gz"
  actual=$(sha256_of "$WORK/package.tar.gz")
  [ "$actual" = "$expected" ] || die "the package $name does not match its SHA-256 in SHA256SUMS (expected $expected, got $actual; $(file_size "$WORK/package.tar.gz") bytes): a truncated or altered download. Nothing was installed."
  # The core's site key (public), when its list names one, under the same hash: root checks the
  # upgrade requests of the agent against it.
  if key_hash=$(sums_lookup "$WORK/SHA256SUMS" site-key.pub); then
    if [ -z "$PACKAGE" ]; then
      fetch "$URL/downloads/site-key.pub" "$WORK/site-key.pub"
    elif [ -f "$(dirname "$PACKAGE")/site-key.pub" ]; then
      cp "$(dirname "$PACKAGE")/site-key.pub" "$WORK/site-key.pub"
    fi
    if [ -f "$WORK/site-key.pub" ] && [ "$(sha256_of "$WORK/site-key.pub")" != "$key_hash" ]; then
      die "site-key.pub does not match its SHA-256 in SHA256SUMS (expected $key_hash): altered. Nothing was installed."
    fi
  fi
  return 0
}

# Runs "$@" as the agent's user (exec-ing when EXEC_AS_AGENT=1), from / with the data directory.
run_as_agent() {
  if have runuser; then
    set -- runuser -u "$AGENT_USER" -- "$@"
  elif have setpriv; then
    set -- setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups -- "$@"
  else
    # shellcheck disable=SC2016 # expanded by the inner shell
    set -- su -s /bin/sh "$AGENT_USER" -c 'exec "$0" "$@"' "$@"
  fi
  cd /
  # Never the installer's standard input: under `curl … | sh` that is the rest of this script.
  if [ "${EXEC_AS_AGENT:-0}" = 1 ]; then exec "$@" </dev/null; fi
  "$@" </dev/null
}

nologin_shell() {
  for shell in /usr/sbin/nologin /sbin/nologin /bin/false; do
    [ -x "$shell" ] && printf '%s' "$shell" && return 0
  done
  printf '/bin/false'
}

ensure_user() {
  id "$AGENT_USER" >/dev/null 2>&1 && return 0
  shell=$(nologin_shell)
  if have useradd; then
    if grep -q "^$AGENT_USER:" /etc/group; then group_option="--gid $AGENT_USER"; else group_option=--user-group; fi
    # shellcheck disable=SC2086 # two words or one
    useradd --system $group_option --no-create-home --home-dir "$DATA_DIR" --shell "$shell" --comment 'Prophasis agent' "$AGENT_USER"
  elif have adduser; then # BusyBox
    grep -q "^$AGENT_USER:" /etc/group || addgroup -S "$AGENT_USER"
    adduser -S -D -H -h "$DATA_DIR" -s "$shell" -G "$AGENT_USER" -g 'Prophasis agent' "$AGENT_USER"
  else
    die "cannot create the user $AGENT_USER: neither useradd nor adduser is installed"
  fi
  CREATED_USER=1
  say "created the system user $AGENT_USER"
}

remove_user() {
  id "$AGENT_USER" >/dev/null 2>&1 || return 0
  if have userdel; then userdel "$AGENT_USER" || warn "userdel $AGENT_USER failed"; else deluser "$AGENT_USER" || warn "deluser $AGENT_USER failed"; fi
  if grep -q "^$AGENT_USER:" /etc/group; then
    if have groupdel; then groupdel "$AGENT_USER" || warn "groupdel $AGENT_USER failed"; else delgroup "$AGENT_USER" || warn "delgroup $AGENT_USER failed"; fi
  fi
  return 0
}

# Processes running the installed agent's Node.js (started by hand or with --foreground).
agent_pids() {
  for exe in /proc/[0-9]*/exe; do
    target=$(readlink "$exe" 2>/dev/null) || continue
    case $target in
      "$PREFIX/node/bin/node" | "$PREFIX/node/bin/node (deleted)" | "$VERSIONS"/*/node/bin/node | "$VERSIONS"/*/node/bin/node" (deleted)")
        pid=${exe#/proc/}
        printf '%s ' "${pid%/exe}"
        ;;
    esac
  done
}

stop_agent_processes() {
  pids=$(agent_pids)
  [ -n "$pids" ] || return 0
  say "stopping the running agent (pids $pids)"
  # shellcheck disable=SC2086 # a list of pids
  kill -TERM $pids 2>/dev/null || true
  waited=0
  while [ -n "$(agent_pids)" ] && [ $waited -lt 15 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  pids=$(agent_pids)
  # shellcheck disable=SC2086 # a list of pids
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

uninstall() {
  require_root "uninstalling"
  removed=''
  if has_systemd && [ -f "$UNIT_FILE" ]; then
    systemctl disable --now "$UNIT_NAME" >/dev/null 2>&1 || warn "systemctl disable --now $UNIT_NAME failed"
  fi
  for unit in "$UPGRADE_PATH_UNIT" "$UPGRADE_SERVICE_UNIT"; do
    [ -f "/etc/systemd/system/$unit" ] || continue
    if has_systemd; then systemctl disable --now "$unit" >/dev/null 2>&1 || true; fi
    rm -f "/etc/systemd/system/$unit"
    removed="$removed /etc/systemd/system/$unit"
  done
  if [ -f "$UNIT_FILE" ]; then
    rm -f "$UNIT_FILE"
    removed="$removed $UNIT_FILE"
    if has_systemd; then systemctl daemon-reload || true; fi
  fi
  stop_agent_processes
  for path in "$PREFIX" "$DATA_DIR" "$(dirname "$PREFIX")"/.prophasis-agent.new.*; do
    [ -e "$path" ] || continue
    rm -rf "$path"
    removed="$removed $path"
  done
  if id "$AGENT_USER" >/dev/null 2>&1 || grep -q "^$AGENT_USER:" /etc/group; then
    remove_user
    removed="$removed user:$AGENT_USER"
  fi
  say "removed:${removed:- nothing (the agent was not installed)}"
  say "Revoke the host's agent in the console (host page, Enrolment, Revoke agent) so that copies of its credentials are refused too."
}

if [ "$UNINSTALL" = 1 ]; then
  uninstall
  exit 0
fi

# ---- install or upgrade ------------------------------------------------------------------------

[ -n "$SHA256" ] || die "--sha256 is required: the line the core prints carries it (nothing is installed unverified)"
printf '%s' "$SHA256" | grep -Eq '^[0-9a-f]{64}$' || die "--sha256 must be 64 hexadecimal digits, got: $SHA256"
[ -n "$URL" ] || [ -n "$PACKAGE" ] || die "give --url (the core's console) or --package FILE"
if [ -n "$PACKAGE" ]; then
  case $PACKAGE in /*) ;; *) PACKAGE=$(pwd)/$PACKAGE ;; esac
fi
for tool in tar gzip; do have "$tool" || die "$tool is needed to unpack the agent package"; done
detect_platform

WORK=$(mktemp -d "${TMPDIR:-/tmp}/prophasis-install.XXXXXX")
STAGING=''
CREATED_USER=0
CREATED_DATA_DIR=0
cleanup() {
  rm -rf "$WORK"
  if [ -n "$STAGING" ]; then rm -rf "$STAGING"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

acquire_package
say "verified the package for $PLATFORM (SHA-256 $(sha256_of "$WORK/package.tar.gz"))"

require_root "installing"

# Enrol when not enrolled yet, or when the line carries a token other than the one used last.
NEED_ENROL=1
TOKEN_HASH=''
[ -z "$TOKEN" ] || TOKEN_HASH=$(printf '%s' "$TOKEN" | sha256_stdin)
if [ -f "$DATA_DIR/credentials.json" ]; then
  if [ -z "$TOKEN" ]; then
    NEED_ENROL=0
  elif [ -f "$TOKEN_FILE" ] && [ "$(cat "$TOKEN_FILE")" = "$TOKEN_HASH" ]; then
    NEED_ENROL=0
    say "already enrolled with this token; enrolment skipped"
  fi
fi
if [ "$NEED_ENROL" = 1 ]; then
  missing=''
  [ -n "$SERVER" ] || missing="$missing --server"
  [ -n "$CA_FINGERPRINT" ] || missing="$missing --ca-fingerprint"
  [ -n "$TOKEN" ] || missing="$missing --token"
  [ -z "$missing" ] || die "enrolling needs$missing (the line the core prints has them). Nothing was installed."
fi

# Unpack beside the installation (same file system, so the switch below is one rename) and
# check that this host runs it before anything else changes.
mkdir -p "$(dirname "$PREFIX")"
STAGING=$(dirname "$PREFIX")/.prophasis-agent.new.$$
rm -rf "$STAGING"
mkdir -m 0755 "$STAGING"
tar -xzf "$WORK/package.tar.gz" -C "$STAGING" || die "the package could not be unpacked. Nothing was installed."
NEW=$STAGING/prophasis-agent
{ [ -x "$NEW/bin/prophasis-agent" ] && [ -f "$NEW/PLATFORM" ]; } || die "the package has no prophasis-agent/bin/prophasis-agent: not an agent package. Nothing was installed."
[ "$(cat "$NEW/PLATFORM")" = "$PLATFORM" ] || die "the package is for $(cat "$NEW/PLATFORM"), this host is $PLATFORM. Nothing was installed."
VERSION=$("$NEW/bin/prophasis-agent" --version 2>&1) || die "the agent in the package does not run on this host: $VERSION. Nothing was installed."
PACKAGE_VERSION=$(cat "$NEW/VERSION" 2>/dev/null) || die "the package has no VERSION file. Nothing was installed."
printf '%s' "$PACKAGE_VERSION" | grep -Eq '^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$' || die "the package's VERSION is not a version: $PACKAGE_VERSION. Nothing was installed."

ensure_user
[ -d "$DATA_DIR" ] || CREATED_DATA_DIR=1
mkdir -p "$DATA_DIR"
chown "$AGENT_USER:$(id -g "$AGENT_USER")" "$DATA_DIR"
chmod 0700 "$DATA_DIR"
PROPHASIS_DATA_DIR=$DATA_DIR
export PROPHASIS_DATA_DIR

if [ "$NEED_ENROL" = 1 ]; then
  say "enrolling with $SERVER as user $AGENT_USER"
  PROPHASIS_ENROL_TOKEN=$TOKEN
  export PROPHASIS_ENROL_TOKEN # not on the command line, where ps would show it
  force=''
  [ ! -f "$DATA_DIR/credentials.json" ] || force=--force
  if ! run_as_agent "$NEW/bin/prophasis-agent" enroll --server "$SERVER" --ca-fingerprint "$CA_FINGERPRINT" ${force:+"$force"}; then
    # Leave the host as it was: what this run created goes again; existing credentials stay.
    [ "$CREATED_DATA_DIR" = 0 ] || rm -rf "$DATA_DIR"
    [ "$CREATED_USER" = 0 ] || remove_user
    die "enrolment failed (the agent says why above). Nothing was installed."
  fi
  unset PROPHASIS_ENROL_TOKEN
  printf '%s\n' "$TOKEN_HASH" >"$TOKEN_FILE"
fi

# Switch to the new version. A flat installation of an earlier installer (no versions/) is
# moved aside whole; otherwise the new version goes beside the others (the same version again
# replaces its folder), `current` is pointed at it, and versions other than it and the one
# that ran before are removed (prophasis-agent upgrade keeps the same two).
if [ -d "$PREFIX" ] && [ ! -d "$VERSIONS" ]; then mv "$PREFIX" "$STAGING/previous"; fi
mkdir -p "$VERSIONS"
chmod 0755 "$PREFIX" "$VERSIONS"
PREVIOUS_VERSION=$(readlink "$PREFIX/current" 2>/dev/null | sed -n 's|^versions/\([^/]*\)/*$|\1|p') || PREVIOUS_VERSION=''
if [ -d "$VERSIONS/$PACKAGE_VERSION" ]; then mv "$VERSIONS/$PACKAGE_VERSION" "$STAGING/replaced"; fi
printf '%s\n' "$(sha256_of "$WORK/package.tar.gz")" >"$NEW/.package-sha256"
mv "$NEW" "$VERSIONS/$PACKAGE_VERSION"
ln -sfn "versions/$PACKAGE_VERSION" "$PREFIX/current"
for part in bin node share; do ln -sfn "current/$part" "$PREFIX/$part"; done
for dir in "$VERSIONS"/*; do
  name=${dir##*/}
  if [ -d "$dir" ] && [ "$name" != "$PACKAGE_VERSION" ] && [ "$name" != "$PREVIOUS_VERSION" ]; then
    rm -rf "$dir"
  fi
done
rm -rf "$STAGING"
STAGING=''
say "installed prophasis-agent $VERSION in $PREFIX (its own Node.js: $("$PREFIX/node/bin/node" --version))"
[ "$PREVIOUS_VERSION" != "$PACKAGE_VERSION" ] || PREVIOUS_VERSION=''
say "$PREFIX/current -> versions/$PACKAGE_VERSION${PREVIOUS_VERSION:+ (before: $PREVIOUS_VERSION, kept for a rollback)}"
if [ -f "$WORK/site-key.pub" ]; then
  cp "$WORK/site-key.pub" "$PREFIX/site-key.pub"
  chmod 0644 "$PREFIX/site-key.pub"
  say "$PREFIX/site-key.pub: the core's site key; an upgrade the core offers must be signed with it"
fi

if ! run_as_agent "$PREFIX/bin/prophasis-agent" sandbox-selftest; then
  warn "the plugin sandbox does not work on this host: the agent connects, but every plugin result will be 'sandbox unavailable' (docs/install-agent.md)"
fi

RUN_LINE="runuser -u $AGENT_USER -- env PROPHASIS_DATA_DIR=$DATA_DIR $PREFIX/bin/prophasis-agent run"
if has_systemd; then
  cp "$PREFIX/share/$UNIT_NAME" "$UNIT_FILE"
  chmod 0644 "$UNIT_FILE"
  UPGRADES=0
  if [ -f "$PREFIX/share/$UPGRADE_PATH_UNIT" ] && [ -f "$PREFIX/site-key.pub" ]; then
    for unit in "$UPGRADE_PATH_UNIT" "$UPGRADE_SERVICE_UNIT"; do
      cp "$PREFIX/share/$unit" "/etc/systemd/system/$unit"
      chmod 0644 "/etc/systemd/system/$unit"
    done
    UPGRADES=1
  fi
  systemctl daemon-reload
  systemctl enable "$UNIT_NAME" >/dev/null 2>&1
  if [ "$UPGRADES" = 1 ]; then
    if systemctl enable --now "$UPGRADE_PATH_UNIT" >/dev/null 2>&1; then
      say "enabled $UPGRADE_PATH_UNIT: upgrades the core offers are installed (with rollback) as they are requested"
    else
      warn "systemctl enable --now $UPGRADE_PATH_UNIT failed: upgrades from the core will wait (docs/install-agent.md)"
    fi
  fi
  if [ "$NO_START" = 1 ]; then
    say "installed and enabled $UNIT_NAME; start it with: systemctl start prophasis-agent"
  else
    systemctl restart "$UNIT_NAME"
    say "started $UNIT_NAME (systemctl status prophasis-agent; journalctl -u prophasis-agent -f)"
  fi
elif [ "$FOREGROUND" = 1 ] && [ "$NO_START" = 0 ]; then
  say "no systemd here: running the agent in the foreground as $AGENT_USER (stop it with Ctrl-C or SIGTERM)"
  rm -rf "$WORK"
  trap - EXIT
  EXEC_AS_AGENT=1
  run_as_agent "$PREFIX/bin/prophasis-agent" run
else
  say "no systemd here: start the agent under your init system or process supervisor with"
  say "  $RUN_LINE"
  say "(or run this installer again with --foreground)"
fi
