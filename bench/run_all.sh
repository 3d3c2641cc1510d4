#!/bin/sh
# Every benchmark, one after the other (never in parallel: they would share 2 cores).
# Outputs: bench/out/{import,queue}-results.md, demo-profile.md, *.log. About 15-20 minutes.
# Stores under bench/out/ are reused; delete bench/out/queue-*.db* to rebuild them.
set -e
cd "$(dirname "$0")/.."
python bench/import_bench.py --runs 5 --profile 2>&1 | tee bench/out/import-run.log
python bench/queue_bench.py --sizes 10000,100000,1000000 --what-if 2>&1 | tee bench/out/queue-run.log
python bench/queue_bench.py --sizes "" --profile-demo 2>&1 | tee bench/out/demo-profile-run.log
