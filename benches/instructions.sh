#!/usr/bin/env bash
# The client's instructions per operation, crate and hand-written baseline (with --peer, also
# openapi-generator's Rust client), under callgrind (BENCHMARKS.md, "instructions"): each side
# runs 200 and 1,200 operations against a `pc-carts emulator` in another process, and the
# difference divided by 1,000 is the cost of one operation, start-up cancelled out.
# Instruction counts do not move with the machine's load.
#
#   bash benches/instructions.sh            # get and modify
#   bash benches/instructions.sh --peer     # and openapi-generator's Rust client: all three sides
#                                           # from the peer project's overhead binary
#                                           # (benches/peer/generate.sh, run first if need be)
#   bash benches/instructions.sh --codec    # decode and encode: crate types and plain serde
#   bash benches/instructions.sh --peer --caches
#                                           # cachegrind's simulated caches and branch
#                                           # predictor instead: instructions, L1 instruction
#                                           # and data misses, mispredicted branches per op
# Builds go to $CARGO_TARGET_DIR if set, else target/; the emulator listens on $PORT (18090).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-18090}"
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
if [ "${1:-}" = --codec ]; then
    codec=$(cargo bench -q --bench codec --no-run --target-dir "$target" --message-format=json |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p')
    collected() { # side op lines n -> instructions
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$codec" count "$@" 2>&1 |
            sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    printf '%-7s %-6s %-6s %12s\n' op lines side "per op"
    for lines in 1 100; do
        n=$((2000 / lines))
        for op in decode encode; do
            for side in plain crate; do
                small=$(collected "$side" "$op" "$lines" "$n")
                large=$(collected "$side" "$op" "$lines" "$((6 * n))")
                printf '%-7s %-6s %-6s %12.1f\n' "$op" "$lines" "$side" \
                    "$(echo "($large - $small) / (5 * $n)" | bc -l)"
            done
        done
    done
    exit 0
fi
cargo build -q --release -p pc-carts --target-dir "$target"
caches=false
case " $* " in *" --caches "*) caches=true ;; esac
if [ "${1:-}" = --peer ]; then
    [ -f target/peer/bench/Cargo.toml ] || bash benches/peer/generate.sh
    (cd target/peer/bench && cargo build -q --release --bin overhead --target-dir "$target")
    bench="$target/release/overhead"
    sides="baseline crate peer"
else
    bench=$(cargo bench -q --bench overhead --no-run --target-dir "$target" --message-format=json |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p')
    sides="baseline crate"
fi
"$target/release/pc-carts" emulator --listen "127.0.0.1:$port" > /dev/null 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done

count() { # side operation n -> instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" "$1" "$2" "$3" \
        "http://127.0.0.1:$port" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
simulated() { # side operation n -> instructions, I1 misses, D1 misses, mispredicts
    valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes --cachegrind-out-file=/dev/null \
        "$bench" "$1" "$2" "$3" "http://127.0.0.1:$port" 2>&1 | sed 's/^==[0-9]*== *//; s/,//g' |
        awk '/^I +refs:/ {i = $3} /^I1 +misses:/ {i1 = $3} /^D1 +misses:/ {d1 = $3}
             /^Mispredicts:/ {m = $2} END {print i, i1, d1, m}'
}
if $caches; then
    printf '%-8s %-9s %12s %10s %10s %12s\n' operation side instructions "I1 misses" \
        "D1 misses" mispredicts
else
    printf '%-8s %-9s %12s\n' operation side "per op"
fi
for operation in get modify; do
    for side in $sides; do
        if $caches; then
            read -r -a small <<< "$(simulated "$side" "$operation" 200)"
            read -r -a large <<< "$(simulated "$side" "$operation" 1200)"
            printf '%-8s %-9s' "$operation" "$side"
            for i in 0 1 2 3; do
                printf ' %10.1f' "$(echo "(${large[i]} - ${small[i]}) / 1000" | bc -l)"
            done
            echo
            continue
        fi
        small=$(count "$side" "$operation" 200)
        large=$(count "$side" "$operation" 1200)
        printf '%-8s %-9s %12.1f\n' "$operation" "$side" "$(echo "($large - $small) / 1000" | bc -l)"
    done
done
