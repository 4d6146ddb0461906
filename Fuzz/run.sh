#!/usr/bin/env bash
# Builds the fuzz target with libFuzzer and AddressSanitizer, runs it for $1 seconds (default 300) from the kept
# corpus, then merges what it found into Tests/SMPWireTests/Corpus, the regression corpus that `make test` replays.
#
# Coverage needs three things on this toolchain (measured: without them libFuzzer reports "no interesting inputs"):
# - SwiftPM's --sanitize=fuzzer, so that the executable is linked against libFuzzer's main;
# - swiftc's own -sanitize=fuzzer with -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp (the default
#   coverage mode it picks, trace-pc-guard, is refused by current libFuzzer);
# - lld as the linker (with the default linker the coverage sections are dropped).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-300}"
flags=(-c release --scratch-path .build-fuzz --sanitize=fuzzer
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
    -Xswiftc -use-ld=lld)
swift build "${flags[@]}"
binary="$(swift build "${flags[@]}" --show-bin-path)/FrameDecoderFuzz"
corpus=../Tests/SMPWireTests/Corpus
mkdir -p work/corpus work/crashes
cp -n "$corpus"/* work/corpus/ 2>/dev/null || true
export SWIFT_BACKTRACE=enable=no
"$binary" work/corpus -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix=work/crashes/ 2>&1 | grep -E "INITED|DONE|ERROR|SUMMARY|stat::" || true
if compgen -G "work/crashes/*" >/dev/null; then
    echo "fuzz: findings in Fuzz/work/crashes; reproduce with $binary <file>" >&2
    exit 1
fi
rm -rf work/merged && mkdir -p work/merged
"$binary" -merge=1 work/merged work/corpus 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
find "$corpus" -type f -name 'found-*' -delete
for file in work/merged/*; do
    name="$(basename "$file")"
    [ -e "$corpus/$name" ] || cp "$file" "$corpus/found-$name"
done
echo "fuzz: $(ls "$corpus" | wc -l) inputs in the regression corpus"
