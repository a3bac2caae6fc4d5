#!/bin/sh
# demo.sh - the main job.  Until the campaign runner lands this boots the
# guest with the stock e1000 driver and our self-test module and shows them
# working (the smoke boot of the foundation issue).
set -eu
cd "$(dirname "$0")/.."
echo "demo: booting the guest with e1000 and nooks_selftest (TCG)"
bin/nooks vm run --device e1000 --module kmod/selftest/nooks_selftest.ko \
	--cmd 'uname -r; lsmod; ip -o link show eth0'
