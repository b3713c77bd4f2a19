#!/bin/sh
# Installs what tiendo needs to build and test on Debian 12 (as root), skipping what is present.
# The one list of tiendo's packages: README, CI and developers all use it.
set -eu
# dpkg-dev and file let cpack work out the packages' Depends; systemd (systemd-analyze),
# man-db and groff-base check the units and man pages they ship (t1700). chromium renders the
# web dashboard headless, fonts-dejavu-core gives it Vietnamese glyphs (t1800). libcurl posts the
# collector's alert webhooks. bench/run compares ingest with prometheus-pushgateway.
PACKAGES="build-essential cmake pkg-config clang python3 libzmq3-dev libczmq-dev
libprotobuf-c-dev protobuf-c-compiler liblmdb-dev lmdb-utils libjansson-dev libinih-dev
libcmocka-dev libmicrohttpd-dev libcurl4-openssl-dev prometheus prometheus-pushgateway
dpkg-dev file systemd man-db groff-base poppler-utils
chromium fonts-dejavu-core"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
