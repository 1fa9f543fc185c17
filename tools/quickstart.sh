#!/bin/sh
# The README's first command: install dependencies, build livec, and run it
# on the console example.
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build
./build/compiler/livec lock examples/console/livec.yaml
./build/compiler/livec build examples/console/livec.yaml
echo "livec: boot it with: ./build/compiler/livec run out/console/console.iso"
