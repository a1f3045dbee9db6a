#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (cargo-fuzz, libFuzzer) for SECONDS each on its
# corpus in fuzz/corpus/TARGET, and prints what each did: executions, coverage
# (libFuzzer's "cov", edges reached) and corpus size. A finding stops the script with
# the crashing input in fuzz/artifacts/TARGET/.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS: per target (default 60; .ci/run gives 20). Long runs to a plateau are
#   run by hand (say 600), then `scripts/fuzz.sh --minimize` keeps the corpus small.
#   --minimize: merge each target's corpus into its smallest covering set (cmin).
# Installs cargo-fuzz (pinned, from crates.io) when missing; on the stable toolchain
# cargo-fuzz needs RUSTC_BOOTSTRAP=1 for the sanitizer flags, which this sets.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -qF "$version"; then
    cargo install cargo-fuzz --version "$version" --locked --quiet
fi
export RUSTC_BOOTSTRAP=1

if [ "${1:-}" = --minimize ]; then
    shift
    for target in ${@:-$(cargo fuzz list)}; do
        cargo fuzz cmin "$target" "fuzz/corpus/$target"
    done
    exit 0
fi

seconds=${1:-60}
shift || true
targets=${*:-$(cargo fuzz list)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '| target | seconds | executions | coverage (edges) | corpus |\n|---|---|---|---|---|\n' >"$work/summary"
for target in $targets; do
    corpus=fuzz/corpus/$target
    mkdir -p "$corpus"
    # New inputs go to a scratch directory: the corpus in the repository changes only
    # when it is minimized on purpose.
    mkdir -p "$work/$target"
    echo "=== $target, ${seconds}s"
    cargo fuzz build --release "$target" 2>&1 | grep -v "^\s*Compiling" || true
    cargo fuzz run --release "$target" "$work/$target" "$corpus" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -close_fd_mask=3 2>"$work/$target.log" || { tail -40 "$work/$target.log"; exit 1; }
    runs=$(grep -m1 "stat::number_of_executed_units" "$work/$target.log" | awk '{print $2}')
    cov=$(grep -E "^#[0-9]+" "$work/$target.log" | grep -o "cov: [0-9]*" | tail -1 | awk '{print $2}')
    size=$(( $(ls "$corpus" | wc -l) + $(ls "$work/$target" | wc -l) ))
    printf '| %s | %s | %s | %s | %s |\n' "$target" "$seconds" "$runs" "${cov:-?}" "$size" >>"$work/summary"
    if [ -n "${FUZZ_KEEP:-}" ]; then cp -n "$work/$target"/* "$corpus"/ 2>/dev/null || true; fi
done
echo
cat "$work/summary"
