#!/usr/bin/env bash
# setup-toolchain.sh - install everything sds-wasm needs on Debian 12 (bookworm).
#
#   sudo bash scripts/setup-toolchain.sh [--quiet] [--without-chromium] [--verify]
#
#   --quiet             print only warnings, errors and what gets installed
#   --without-chromium  skip Debian's chromium (only needed for browser tests)
#   --verify            also run the slower apt checks (done anyway whenever
#                       this run changed something)
#
# What it does (idempotent; a re-run with everything present takes seconds):
#   * bookworm packages: clang-19/lld-19/llvm-19 (+ libclang-rt-19-dev, for libFuzzer), cmake, ninja, googletest,
#     google benchmark, protobuf 3.21.12 (protoc + libprotobuf-dev), farmhash,
#     node-acorn, node-typescript (tsc, for emcc --emit-tsd), chromium.
#   * emscripten 3.1.69 from trixie. A trixie apt source is added, pinned so
#     that ONLY `emscripten` comes from trixie (990); every other trixie package
#     sits at 100 and libc/libstdc++/libgcc from trixie are forbidden (-1).
#   * binaryen 120 (trixie's .deb) unpacked with trixie's libc into a private
#     prefix /opt/binaryen-120 and started through wrapper scripts that use the
#     private dynamic loader. The system libc is never touched.
#   * /usr/share/emscripten/.emscripten is dpkg-diverted (Debian's copy is kept
#     as .emscripten.debian) and rewritten with BINARYEN_ROOT=/opt/binaryen-120.
#   * acorn for emscripten's JS optimizer (symlink to Debian's node-acorn).
#
# Never run `apt-get install -t trixie ...` on this machine: let the pins decide.

# Started as `sh setup-toolchain.sh`? This script needs bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

WITH_CHROMIUM=1
VERIFY=0
QUIET=0
for arg in "$@"; do
  case "$arg" in
    --without-chromium) WITH_CHROMIUM=0 ;;
    --verify) VERIFY=1 ;;
    -q|--quiet) QUIET=1 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "setup-toolchain: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# --- root ---------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -- bash "$0" "$@"
  fi
  echo "setup-toolchain: must run as root (and sudo is not installed)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)

EMSCRIPTEN_WANT=3.1.69
BINARYEN_WANT=120
BINARYEN_PREFIX=/opt/binaryen-${BINARYEN_WANT}
EM_DIR=/usr/share/emscripten
EM_CONFIG_FILE=${EM_DIR}/.emscripten
EM_CONFIG_DEBIAN=${EM_DIR}/.emscripten.debian
TRIXIE_SOURCES=/etc/apt/sources.list.d/sds-trixie.sources
TRIXIE_PREFS=/etc/apt/preferences.d/sds-trixie

say()  { [ "$QUIET" -eq 1 ] || printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Write stdin to $1 (mode $2) only when the content differs. Returns 0 when the
# file was changed, 1 when it was already up to date.
write_if_changed() {
  local dest=$1 mode=$2 tmp
  tmp=$(mktemp "${dest}.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$dest"
  return 0
}

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# --- 1. apt source + pinning for trixie -----------------------------------------
sources_changed=0
if write_if_changed "$TRIXIE_SOURCES" 0644 <<'EOF'
# Added by sds-wasm scripts/setup-toolchain.sh. Only `emscripten` is taken from
# trixie; see /etc/apt/preferences.d/sds-trixie.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
then
  say "wrote $TRIXIE_SOURCES"
  sources_changed=1
  VERIFY=1
fi

# Specific entries first, the catch-all for trixie last. The libc guard makes
# apt refuse (instead of silently upgrading the C runtime) whenever a trixie
# package would need the newer libc.
if write_if_changed "$TRIXIE_PREFS" 0644 <<'EOF'
# Added by sds-wasm scripts/setup-toolchain.sh.

Explanation: emscripten 3.1.69 is the only package wanted from trixie.
Package: emscripten
Pin: release n=trixie
Pin-Priority: 990

Explanation: never take the C/C++ runtime (or anything glued to it) from trixie.
Package: libc6 libc6-dev libc-bin libc-dev-bin libc-l10n libc6-dbg locales locales-all libstdc++6 libgcc-s1 libgcc1 libgomp1 libatomic1 libquadmath0 libasan8 libubsan1 libtsan2 liblsan0 libitm1 libhwasan0 libcrypt1 libcrypt-dev linux-libc-dev gcc-14-base gcc-13-base
Pin: release n=trixie
Pin-Priority: -1

Explanation: everything else from trixie only on explicit request (below bookworm's 500).
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOF
then
  say "wrote $TRIXIE_PREFS"
  VERIFY=1
fi

trixie_lists_present() {
  compgen -G '/var/lib/apt/lists/*_dists_trixie_InRelease' >/dev/null
}

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    apt-get "${APT_OPTS[@]}" update -qq
    apt_updated=1
  fi
}
if [ "$sources_changed" -eq 1 ] || ! trixie_lists_present; then
  apt_update
fi

# --- 2. packages ------------------------------------------------------------------
PKGS=(
  clang-19 lld-19 llvm-19 libclang-rt-19-dev
  cmake ninja-build pkgconf
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  protobuf-compiler libprotobuf-dev
  libfarmhash-dev
  node-acorn node-typescript
  emscripten
)
[ "$WITH_CHROMIUM" -eq 1 ] && PKGS+=(chromium)

missing=()
for p in "${PKGS[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  printf "==> installing: %s\n" "${missing[*]}"
  apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "${missing[@]}"
  VERIFY=1
else
  say "all ${#PKGS[@]} apt packages already installed"
fi

em_pkg_version=$(dpkg-query -W -f='${Version}' emscripten)
case "$em_pkg_version" in
  "${EMSCRIPTEN_WANT}"*) ;;
  *) warn "emscripten package is $em_pkg_version, expected ${EMSCRIPTEN_WANT}*" ;;
esac

# --- 3. binaryen 120 in a private prefix ---------------------------------------
binaryen_ok() {
  [ -x "$BINARYEN_PREFIX/bin/wasm-opt" ] &&
    "$BINARYEN_PREFIX/bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_WANT}\b"
}

if binaryen_ok; then
  say "binaryen ${BINARYEN_WANT} already in $BINARYEN_PREFIX"
else
  printf "==> installing binaryen %s into %s\n" "$BINARYEN_WANT" "$BINARYEN_PREFIX"
  trixie_lists_present || apt_update
  work=$(mktemp -d /tmp/sds-binaryen.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/debs" "$work/root" "$work/bin"
  # `apt-get download` only fetches; the -1 pin on trixie's libc does not apply.
  # It runs as the _apt user in the current directory, so make it writable.
  chmod 0755 "$work"
  chmod 0777 "$work/debs"
  (cd "$work/debs" &&
    apt-get "${APT_OPTS[@]}" download -q binaryen/trixie libc6/trixie libstdc++6/trixie libgcc-s1/trixie)
  for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
  done
  bin_ver=$(dpkg-deb -f "$work"/debs/binaryen_*.deb Version)
  case "$bin_ver" in
    "${BINARYEN_WANT}"*) ;;
    *) die "trixie's binaryen is $bin_ver, expected ${BINARYEN_WANT}" ;;
  esac

  libdir=$BINARYEN_PREFIX/root/usr/lib/x86_64-linux-gnu
  [ -e "$work/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ] ||
    die "unpacked libc6 has no usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
  for exe in "$work"/root/usr/bin/*; do
    if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then continue; fi
    tool=$(basename "$exe")
    cat >"$work/bin/$tool" <<EOF
#!/bin/sh
# binaryen ${bin_ver} (Debian trixie) run with its own libc; see scripts/setup-toolchain.sh
exec $libdir/ld-linux-x86-64.so.2 --inhibit-cache --library-path $libdir --argv0 "\$0" $BINARYEN_PREFIX/root/usr/bin/$tool "\$@"
EOF
    chmod 0755 "$work/bin/$tool"
  done
  printf '%s\n' "$bin_ver" >"$work/VERSION"

  # Swap the new prefix in as a whole.
  rm -rf "${BINARYEN_PREFIX}.new" "${BINARYEN_PREFIX}.old"
  mkdir -p "${BINARYEN_PREFIX}.new"
  mv "$work/root" "$work/bin" "$work/VERSION" "${BINARYEN_PREFIX}.new/"
  [ -e "$BINARYEN_PREFIX" ] && mv "$BINARYEN_PREFIX" "${BINARYEN_PREFIX}.old"
  mv "${BINARYEN_PREFIX}.new" "$BINARYEN_PREFIX"
  rm -rf "${BINARYEN_PREFIX}.old" "$work"
  trap - EXIT
  binaryen_ok || die "$BINARYEN_PREFIX/bin/wasm-opt --version does not report ${BINARYEN_WANT}"
  VERIFY=1
fi

# --- 4. emscripten config: BINARYEN_ROOT -> private binaryen ----------------------
if [ "$(dpkg-divert --truename "$EM_CONFIG_FILE")" != "$EM_CONFIG_DEBIAN" ]; then
  say "diverting $EM_CONFIG_FILE -> $EM_CONFIG_DEBIAN"
  dpkg-divert --local --rename --divert "$EM_CONFIG_DEBIAN" --add "$EM_CONFIG_FILE" >/dev/null
fi
[ -f "$EM_CONFIG_DEBIAN" ] || die "$EM_CONFIG_DEBIAN is missing (is emscripten installed?)"
grep -q '^BINARYEN_ROOT' "$EM_CONFIG_DEBIAN" || die "no BINARYEN_ROOT line in $EM_CONFIG_DEBIAN"
if {
  echo "# Generated by sds-wasm scripts/setup-toolchain.sh from $EM_CONFIG_DEBIAN"
  echo "# (dpkg-divert --local). Only BINARYEN_ROOT differs from Debian's file."
  sed "s|^BINARYEN_ROOT *=.*|BINARYEN_ROOT = '${BINARYEN_PREFIX}'|" "$EM_CONFIG_DEBIAN"
} | write_if_changed "$EM_CONFIG_FILE" 0644; then
  say "wrote $EM_CONFIG_FILE"
fi

# --- 5. acorn for emscripten's acorn-optimizer.mjs ------------------------------
# The nodesource node does not search /usr/share/nodejs and ESM ignores NODE_PATH.
if [ "$(readlink "$EM_DIR/node_modules/acorn" 2>/dev/null || true)" != /usr/share/nodejs/acorn ]; then
  mkdir -p "$EM_DIR/node_modules"
  ln -sfn /usr/share/nodejs/acorn "$EM_DIR/node_modules/acorn"
  say "linked $EM_DIR/node_modules/acorn -> /usr/share/nodejs/acorn"
fi

# --- 6. checks --------------------------------------------------------------------
status=0
fail() { printf 'MISSING/BROKEN: %s\n' "$*" >&2; status=1; }

# Nothing but emscripten may come from trixie. These apt checks take ~5 s, so
# they run only when this run changed something (or with --verify).
if [ "$VERIFY" -eq 1 ]; then
  say "checking that nothing but emscripten comes from trixie"
  # `apt-get -s upgrade` prints "(<version> Debian:13.x/<suite> [arch])" per
  # package; Debian 13 is trixie whatever its suite name (stable, oldstable).
  from_trixie=$(apt-get -s "${APT_OPTS[@]}" upgrade 2>/dev/null |
    grep '^Inst ' | grep -E '[A-Za-z-]+:13(\.[0-9]+)?/' || true)
  [ -z "$from_trixie" ] || fail "apt-get upgrade would take packages from trixie: $from_trixie"
  # Installed packages whose version is only known from trixie's suite.
  trixie_suite=$(sed -n 's/^Suite: //p' /var/lib/apt/lists/*_dists_trixie_InRelease 2>/dev/null | head -n1)
  if [ -n "$trixie_suite" ]; then
    installed_trixie=$(apt list --installed 2>/dev/null |
      grep -E "^[^/]+/${trixie_suite},now " | cut -d/ -f1 | grep -vx emscripten || true)
    [ -z "$installed_trixie" ] || fail "installed from trixie: $(echo "$installed_trixie" | tr '\n' ' ')"
  fi
fi
libc_ver=$(dpkg-query -W -f='${Version}' libc6)
case "$libc_ver" in
  2.36-*) ;;
  *) fail "libc6 is $libc_ver, expected bookworm's 2.36" ;;
esac

em_version=$(emcc --version 2>/dev/null | head -n1 || true)
[ -n "$em_version" ] || fail "emcc does not run"
case "$em_version" in
  *" ${EMSCRIPTEN_WANT} "* | *" ${EMSCRIPTEN_WANT}") ;;
  *) warn "emcc reports '$em_version', expected ${EMSCRIPTEN_WANT}" ;;
esac
em_binaryen=$(em-config BINARYEN_ROOT 2>/dev/null || true)
[ "$em_binaryen" = "$BINARYEN_PREFIX" ] || fail "em-config BINARYEN_ROOT is '$em_binaryen', expected $BINARYEN_PREFIX"
[ -e "$EM_DIR/node_modules/acorn/package.json" ] || fail "acorn not reachable from $EM_DIR/node_modules"

version_of() { # <label> <command...>: prints first line of output, records failure
  local label=$1 out
  shift
  if out=$("$@" 2>/dev/null | grep -v '^\[' | head -n1) && [ -n "$out" ]; then
    [ "$QUIET" -eq 1 ] || printf '  %-10s %s\n' "$label" "$out"
  else
    printf '  %-10s %s\n' "$label" "MISSING"
    fail "$label ($*)"
  fi
}

[ "$QUIET" -eq 1 ] || echo "sds-wasm toolchain:"
version_of emcc      emcc --version
version_of clang-19  clang-19 --version
version_of wasm-ld   wasm-ld-19 --version
version_of wasm-opt  "$BINARYEN_PREFIX/bin/wasm-opt" --version
version_of protoc    protoc --version
version_of tsc       tsc --version
version_of node      node --version
version_of cmake     cmake --version
version_of ninja     ninja --version
# shellcheck disable=SC2016 # ${Version} is dpkg-query's, not the shell's
version_of libc6     dpkg-query -W -f='${Version}\n' libc6
if [ "$WITH_CHROMIUM" -eq 1 ]; then
  version_of chromium chromium --version
fi

if [ "$status" -ne 0 ]; then
  echo "setup-toolchain: FAILED (see messages above)" >&2
fi
exit "$status"
