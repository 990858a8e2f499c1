#!/usr/bin/env bash
# The HTML fleet report at 2,000 and 10,000 hosts in headless chromium: size, first paint,
# page ready, a filter click, the first host detail (benchmarks/report_html/bench.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python benchmarks/report_html/bench.py "$@"
