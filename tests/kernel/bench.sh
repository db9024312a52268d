#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of vinfer.ko, measured side by side in one VM run.
set -eu
cd "$(dirname "$0")/../.."
exec scripts/vm-run --mem 2G --param 'max_bytes=1073741824' -- tests/kernel/vm-bench.sh
