#!/usr/bin/env bash
# Copies the browser files the site serves from node_modules (installed by
# `npm ci` from package-lock.json) into static_vendor/, which settings add to
# STATICFILES_DIRS. Neither folder is committed.
# Safe to run again: files already up to date are left alone, so a second run
# changes nothing and prints nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;32m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31m错误 / error:\033[0m %s\n' "$*" >&2; exit 1; }

VENDOR=static_vendor

# destination under static_vendor/ -> source under node_modules/.
# The source maps go along because the minified files name them in a
# sourceMappingURL comment, which ManifestStaticFilesStorage (collectstatic in
# production) follows and refuses to leave dangling.
declare -A SOURCE_FOR=(
  [hls.js/hls.min.js]=hls.js/dist/hls.min.js
  [hls.js/hls.min.js.map]=hls.js/dist/hls.min.js.map
  [uppy/uppy.min.js]=uppy/dist/uppy.min.js
  [uppy/uppy.min.js.map]=uppy/dist/uppy.min.js.map
  [uppy/uppy.min.css]=uppy/dist/uppy.min.css
)

[ -d node_modules ] \
  || fail "node_modules/ is missing: run \`npm ci\` (or bash scripts/setup.sh) first"

copied=()
removed=()
for destination in "${!SOURCE_FOR[@]}"; do
  source="node_modules/${SOURCE_FOR[$destination]}"
  [ -f "$source" ] \
    || fail "$source is missing: is node_modules out of date? Run \`npm ci\`."
  if ! cmp -s "$source" "$VENDOR/$destination"; then
    install -D -m 0644 "$source" "$VENDOR/$destination"
    copied+=("$destination")
  fi
done

# Whatever else is in static_vendor/ came from an older list: collectstatic
# would publish it, so it goes.
while IFS= read -r -d '' path; do
  relative="${path#"$VENDOR"/}"
  if [ -z "${SOURCE_FOR[$relative]+set}" ]; then
    rm -f -- "$path"
    removed+=("$relative")
  fi
done < <(find "$VENDOR" -type f -print0)
find "$VENDOR" -mindepth 1 -type d -empty -delete

if [ "${#copied[@]}" -gt 0 ]; then
  mapfile -t copied < <(printf '%s\n' "${copied[@]}" | sort)
  say "Front-end files copied into $VENDOR/: ${copied[*]}"
fi
if [ "${#removed[@]}" -gt 0 ]; then
  say "Stale files removed from $VENDOR/: ${removed[*]}"
fi
