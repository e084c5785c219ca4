#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/system-deps.txt whose command is missing, so the README's
# `npm test` works on a bare machine: as root with apt-get, otherwise through passwordless sudo; else it stops
# naming what to install. Does nothing (and needs no network) when everything is there.
set -euo pipefail
list="$(dirname "$0")/system-deps.txt"
missing=()
while read -r package command _rest; do
  case "$package" in '' | '#'*) continue ;; esac
  command -v "$command" >/dev/null 2>&1 && continue
  [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
done <"$list"
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "The tests need these Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { echo "The tests need: ${missing[*]} (no apt-get here: install them with your package manager)" >&2; exit 1; }
echo "First run: installing ${missing[*]} from Debian's packages (scripts/system-deps.txt)" >&2
"${sudo[@]}" apt-get update -qq
# The packages' own services are not wanted: tests start their own servers on free loopback ports.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
