#!/bin/sh
# scripts/setup.sh: set up a Debian 12 machine and build rbc.  Idempotent and
# quick when everything is already there.
#
# usage: scripts/setup.sh [--asan | --valgrind] [--no-install | --deps-only]
#                          [-- CONFIGURE-ARGS...]
#
#   (default)     build into build/
#   --asan        build into build-asan/ with AddressSanitizer and UBSan
#   --valgrind    build into build-valgrind/, `make check` under valgrind
#   --no-install  do not install missing Debian packages, only report them
#   --deps-only   install the missing Debian packages and stop
#
# Steps: install the missing Debian packages (apt-get, as root or via sudo),
# regenerate the build system when configure is missing or stale, configure
# the build directory when it is new or its options changed, then make.
# With CI set, configure gets --enable-werror.

set -eu

die() {
  echo "setup: error: $*" >&2
  exit 1
}

say() {
  echo "setup: $*"
}

# {==== options ====

variant=default
install=yes
deps_only=no
while [ $# -gt 0 ]; do
  case $1 in
    --asan) variant=asan ;;
    --valgrind) variant=valgrind ;;
    --no-install) install=no ;;
    --deps-only) deps_only=yes ;;
    -h|--help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
  shift
done

top=$(cd "$(dirname "$0")/.." && pwd)
case $variant in
  default) builddir=$top/build; variant_flags= ;;
  asan) builddir=$top/build-asan; variant_flags="--enable-debug --enable-asan --enable-ubsan" ;;
  valgrind) builddir=$top/build-valgrind; variant_flags="--enable-debug --enable-valgrind" ;;
esac
ci_flags=
if [ -n "${CI:-}" ] && [ "${CI:-}" != false ]; then
  ci_flags=--enable-werror
fi

# }====

# {==== packages ====

build_pkgs="gcc libc6-dev make autoconf automake libtool pkg-config bison flex
  libcurl4-openssl-dev libjansson-dev libssl-dev libexpat1-dev libcmocka-dev python3"
test_pkgs="valgrind clang libclang-rt-14-dev lua5.4 hyperfine python3-botocore awscli git strace
  openssl python3-jsonschema patch zsh vim time curl python3-junitparser"

# missing PKG...: print the packages that dpkg does not list as installed.
missing() {
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      echo "$p"
    fi
  done
}

install_packages() {
  # shellcheck disable=SC2086  # word splitting of the package lists is intended
  need=$(missing $build_pkgs $test_pkgs | tr '\n' ' ')
  if [ -z "$need" ]; then
    say "all Debian packages present"
    return 0
  fi
  command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system; install by hand: $need"
  if [ "$install" = no ]; then
    die "missing Debian packages: $need"
  fi
  if [ "$(id -u)" -eq 0 ]; then
    sudo=
  elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    die "missing packages ($need) and neither root nor sudo: apt-get install $need"
  fi
  say "installing: $need"
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    $need </dev/null
}

# }====

# {==== build ====

# newer A B: true when file A is newer than file B.
newer() {
  [ -n "$(find "$1" -newer "$2" -print 2>/dev/null)" ]
}

regenerate() {
  cd "$top"
  # ylwrap is installed only once Makefile.am lists a .y or .l file.
  if [ ! -x configure ] || [ ! -f Makefile.in ] ||
      newer configure.ac configure || newer Makefile.am Makefile.in ||
      { grep -q '\.[ly] *\\*$' Makefile.am && [ ! -f build-aux/ylwrap ]; }; then
    say "autoreconf -fi"
    autoreconf -fi
  fi
}

configure_build() {
  # shellcheck disable=SC2086
  set -- $variant_flags $ci_flags "$@"
  mkdir -p "$builddir"
  cd "$builddir"
  # setup-args records the options of the last configure done by this script.
  if [ -f config.status ] && [ -f Makefile ] && [ -f setup-args ] &&
      [ "$(cat setup-args)" = "$*" ]; then
    return 0
  fi
  say "configuring $builddir: $*"
  "$top/configure" "$@" >configure.out 2>&1 || {
    tail -30 configure.out >&2
    die "configure failed (see $builddir/config.log)"
  }
  echo "$*" >setup-args
}

# }====

install_packages
[ "$deps_only" = no ] || exit 0
regenerate
configure_build "$@"
jobs=$(nproc 2>/dev/null || echo 2)
say "make -j$jobs in $builddir"
make -C "$builddir" -j"$jobs" --no-print-directory || die "build failed in $builddir"
say "built $builddir/rbc"
