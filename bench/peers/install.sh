#!/usr/bin/env bash
# Installs the peers `npm run bench:peers` measures Outpost against, from Debian's packages (bookworm:
# prometheus 2.42, influxdb 1.6.7, victoria-metrics 1.79), when they are missing. Needs root or sudo; does nothing
# when all are there.
set -euo pipefail

missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "bench:peers: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "bench:peers: installing ${missing[*]} from Debian's packages" >&2
$sudo apt-get update -qq
# The packages' own services are not wanted: the bench starts its own servers on free loopback ports.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
