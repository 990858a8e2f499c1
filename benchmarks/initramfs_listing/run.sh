#!/usr/bin/env bash
# Benchmark the streaming initramfs listing (plugins/module_utils/initramfs.py) against
# lsinitrd, lsinitramfs and `<decompressor> -dc IMG | cpio -t`; see README.md.
# usage: benchmarks/initramfs_listing/run.sh [--reps N] [--image PATH] [--json OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 benchmarks/initramfs_listing/bench.py "$@"
