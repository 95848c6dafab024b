#!/usr/bin/env bash
# Everything `make run` and `make test` need, installed when missing:
# system packages (apt-get when root), .venv, the locked Python packages
# (requirements.lock, with hashes), the pinned npm packages and the browser
# files copied from them into static_vendor/.
# Safe to run again: each step is skipped when it is already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3.11}"
# binary -> Debian package. Chromium runs the browser tests (Playwright drives
# the system one, /usr/bin/chromium; nothing is downloaded). gettext's msgfmt
# compiles the admin's Chinese catalogue (locale/).
declare -A PACKAGE_FOR=(
  [ffmpeg]=ffmpeg [ffprobe]=ffmpeg
  [node]=nodejs [npm]=npm
  [chromium]=chromium
  [msgfmt]=gettext
  [fc-list]=fontconfig
)
# Chinese text in Chromium (the browser tests, docs/screenshots/) needs a CJK
# font; without one every character is an empty box. fc-list finds it.
CJK_FONT_PACKAGE=fonts-noto-cjk

# shellcheck source=scripts/lib/system_packages.sh
source scripts/lib/system_packages.sh

has_cjk_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family)" ]
}

install_cjk_font() {
  has_cjk_font && return 0
  apt_install "$CJK_FONT_PACKAGE"
  has_cjk_font || fail "installed ${CJK_FONT_PACKAGE} but \`fc-list :lang=zh\` still finds no Chinese font"
}

create_venv() {
  command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || fail "Python 3.11 is required (found $("$PYTHON" --version 2>&1))"
  if [ ! -x .venv/bin/python ]; then
    say "Creating .venv"
    "$PYTHON" -m venv .venv
  fi
}

install_python_packages() {
  # The lock must pin every direct pin of requirements.txt: checked every
  # time, since a merge can change requirements.txt on an installed .venv.
  .venv/bin/python scripts/check_lock.py \
    || fail "requirements.lock is out of date: run \`make lock\` and commit it"
  local stamp=.venv/.requirements.sha256
  if [ -f "$stamp" ] && sha256sum --status -c "$stamp"; then
    return 0
  fi
  # Every package at its locked version, each checked against its hashes.
  say "Installing Python packages from requirements.lock"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --require-hashes -r requirements.lock
  sha256sum requirements.txt requirements.lock > "$stamp"
}

install_node_packages() {
  # package.json too: `npm ci` refuses a lock file that no longer matches it.
  local stamp=node_modules/.package-lock.sha256
  if [ -f "$stamp" ] && sha256sum --status -c "$stamp"; then
    return 0
  fi
  say "Installing npm packages from package-lock.json"
  # No package of ours needs an install script, so none is run.
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  sha256sum package.json package-lock.json > "$stamp"
}

compile_translations() {
  # The .mo files are built here, never committed. Only the project's own
  # locale/: the installed packages ship theirs compiled.
  .venv/bin/python manage.py compilemessages --locale zh_Hans \
    --ignore .venv --ignore node_modules --ignore static_vendor --ignore var \
    >/dev/null
}

main() {
  install_system_packages PACKAGE_FOR
  install_cjk_font
  create_venv
  install_python_packages
  install_node_packages
  bash scripts/build_frontend.sh
  compile_translations
  mkdir -p var
  say "Set-up complete."
}

# Sourced (`source scripts/setup.sh; install_cjk_font`), it only defines the
# steps, so one can be run alone.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main
fi
