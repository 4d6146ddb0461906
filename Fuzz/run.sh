#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer, runs each named target (default: all three) for $1
# seconds (default 300) from its kept corpus, then merges what it found into the regression corpus that
# `make test` replays:
#   FrameDecoderFuzz  Tests/SMPWireTests/Corpus          frame decoder, session, message codecs
#   PlanLoaderFuzz    Tests/SMPPlanningTests/Corpus/plans plan loader (and planning, for small plans)
#   SVGImportFuzz     Tests/SMPPlanningTests/Corpus/svg   SVG importer and region validation
# Each input gets at most FUZZ_TIMEOUT seconds (default 5) and FUZZ_RSS_MB of memory (default 2048): a slow or
# memory-hungry input is a finding, like a crash. Leak detection is off for SVGImportFuzz: FoundationXML leaks the
# CFString of every XML parse error it reports (_CFErrorCreateFromXMLInterface), which is not ours to fix.
#
# Coverage needs three things on this toolchain (measured: without them libFuzzer reports "no interesting inputs"):
# - SwiftPM's --sanitize=fuzzer, so that the executable is linked against libFuzzer's main;
# - swiftc's own -sanitize=fuzzer with -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp (the default
#   coverage mode it picks, trace-pc-guard, is refused by current libFuzzer);
# - lld as the linker (with the default linker the coverage sections are dropped).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FrameDecoderFuzz PlanLoaderFuzz SVGImportFuzz)
timeout="${FUZZ_TIMEOUT:-5}"
rss="${FUZZ_RSS_MB:-2048}"
flags=(-c release --scratch-path .build-fuzz --sanitize=fuzzer
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
    -Xswiftc -use-ld=lld)
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)"
export SWIFT_BACKTRACE=enable=no
status=0
for target in "${targets[@]}"; do
    case "$target" in
    FrameDecoderFuzz) corpus=../Tests/SMPWireTests/Corpus max_len=4096 leaks=1 ;;
    PlanLoaderFuzz) corpus=../Tests/SMPPlanningTests/Corpus/plans max_len=65536 leaks=1 ;;
    SVGImportFuzz) corpus=../Tests/SMPPlanningTests/Corpus/svg max_len=65536 leaks=0 ;;
    *) echo "fuzz: unknown target $target" >&2; exit 2 ;;
    esac
    work="work/$target"
    mkdir -p "$work/corpus" "$work/crashes"
    cp -n "$corpus"/* "$work/corpus/" 2>/dev/null || true
    echo "fuzz: $target for ${seconds}s (timeout ${timeout}s, rss limit ${rss} MB per input)"
    # LeakSanitizer's report at exit follows ASAN_OPTIONS, not -detect_leaks.
    export ASAN_OPTIONS="detect_leaks=$leaks"
    "$bin/$target" "$work/corpus" -max_total_time="$seconds" -max_len="$max_len" -timeout="$timeout" \
        -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -detect_leaks="$leaks" -print_final_stats=1 -artifact_prefix="$work/crashes/" 2>&1 |
        grep -E "INITED|DONE|ERROR|SUMMARY|stat::|Slowest|timeout|out-of-memory" || true
    if compgen -G "$work/crashes/*" >/dev/null; then
        echo "fuzz: $target findings in Fuzz/$work/crashes; reproduce with $bin/$target <file>" >&2
        status=1
        continue
    fi
    rm -rf "$work/merged" && mkdir -p "$work/merged"
    "$bin/$target" -merge=1 "$work/merged" "$work/corpus" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
    find "$corpus" -type f -name 'found-*' -delete
    for file in "$work/merged"/*; do
        name="$(basename "$file")"
        [ -e "$corpus/$name" ] || cp "$file" "$corpus/found-$name"
    done
    echo "fuzz: $target: $(ls "$corpus" | wc -l) inputs in the regression corpus"
done
exit $status
