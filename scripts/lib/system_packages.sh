# Sourced by scripts/setup.sh and bench/setup.sh: say, fail, apt_install and
# install_system_packages, which installs the Debian packages of the commands
# that are missing (apt-get, when root; otherwise it names them and stops).
#
#   declare -A PACKAGE_FOR=([ffmpeg]=ffmpeg [wrk]=wrk)
#   install_system_packages PACKAGE_FOR

say() { printf '\033[1;32m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31m错误 / error:\033[0m %s\n' "$*" >&2; exit 1; }

# $1: the name of an associative array, command -> Debian package.
install_system_packages() {
  local -n package_for="$1"
  local missing=()
  for binary in "${!package_for[@]}"; do
    command -v "$binary" >/dev/null 2>&1 || missing+=("${package_for[$binary]}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  apt_install "${missing[@]}"
}

# Installs the named Debian packages: with apt-get when root, otherwise it
# names them and stops.
apt_install() {
  local missing
  # Unique package names, in a stable order.
  mapfile -t missing < <(printf '%s\n' "$@" | sort -u)
  if [ "$(id -u)" -ne 0 ]; then
    fail "缺少系统软件包 / missing system package(s): ${missing[*]}.
请以 root 运行 / install them as root:  sudo apt-get install -y ${missing[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 \
    || fail "missing system package(s) ${missing[*]} and no apt-get to install them"
  say "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}
