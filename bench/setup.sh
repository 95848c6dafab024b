#!/usr/bin/env bash
# What `make bench` needs beyond `make setup`: the system packages of the
# load benchmark (bench/load_bench.py), installed when missing, as
# scripts/setup.sh installs the project's. `make test` does not need them.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/system_packages.sh
source scripts/lib/system_packages.sh

# binary -> Debian package. wrk puts the load on the web server.
declare -A PACKAGE_FOR=(
  [wrk]=wrk
)
install_system_packages PACKAGE_FOR
