#!/usr/bin/env bash
# openapi-generator's Rust client as a peer in the benchmarks, generated from the spec:
#   target/peer/client  the `rust` generator's client (library reqwest, async; reqwest 0.13);
#   target/peer/bench   a cargo project of its own (`[workspace]` empty) on that client and on
#                       this crate, whose binaries are the runners of benches/, with the peer:
#                       interleaved (benches/interleaved.rs), overhead (benches/overhead.rs) and
#                       checks (benches/peer/checks.rs), built with its feature `peer`.
# The generator is openapi-generator-cli 7.26.0 from PyPI (its jar, run by Java 17), from the
# portability venv if it has that version, else from a venv of its own in target/peer/venv.
#
#   bash benches/peer/generate.sh
#   cd target/peer/bench && cargo run --release --bin interleaved   # or overhead, checks
#   cd target/peer/bench && cargo run --release --bin checks --features charset
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$PWD/target/peer"
version=7.26.0
has() { "$1/bin/pip" show openapi-generator-cli 2> /dev/null | grep -x "Version: $version" > /dev/null; }
venv="$PWD/target/portability/venv"
if ! has "$venv"; then
    venv="$out/venv"
    has "$venv" || {
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-generator-cli==$version"
    }
fi

# With no network where `unshare` can make a namespace without one: the generator fetches nothing.
offline() { if unshare --net true 2> /dev/null; then unshare --net "$@"; else "$@"; fi; }
rm -rf "$out/client"
mkdir -p "$out"
offline "$venv/bin/openapi-generator-cli" generate --generator-name rust \
    --input-spec openapi/partner-center-carts.yaml --output "$out/client" \
    --additional-properties packageName=pc-peer,library=reqwest,supportAsync=true,useSingleRequestParameter=true \
    --global-property apiTests=false,modelTests=false,apiDocs=false,modelDocs=false \
    > "$out/generate.log" 2>&1 || { cat "$out/generate.log"; exit 1; }
grep -E '\b(WARN|ERROR)\b' "$out/generate.log" | sort -u || true

bench="$out/bench"
mkdir -p "$bench/src"
cat > "$bench/Cargo.toml" << 'EOF'
[package]
name = "peer-bench"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[features]
default = ["peer"]
# The peer contender in the runners of benches/ (`#[cfg(feature = "peer")]` there).
peer = []
# reqwest's `charset` (a default feature of reqwest, off in the generated crate and in this one):
# with it, `Response::text` drops a byte-order mark (`checks` tries both).
charset = ["reqwest/charset"]

[dependencies]
partner-center-carts = { path = "../../.." }
partner-center-carts-emulator = { path = "../../../emulator" }
# Without the generated crate's default TLS (native-tls): the runners install aws-lc-rs for rustls,
# as the crate does, and the servers are plain HTTP on loopback.
pc-peer = { path = "../client", default-features = false }
reqwest = { version = "0.13.5", default-features = false, features = ["json"] }
rustls = { version = "0.23.30", default-features = false, features = ["aws_lc_rs", "std", "tls12"] }
tokio = { version = "1.47", features = ["macros", "rt", "time", "sync", "net"] }
axum = { version = "0.8.9", default-features = false, features = ["http1", "tokio", "json"] }
uuid = { version = "1.18", features = ["v4"] }
serde_json = "1.0.150"

[[bin]]
name = "interleaved"
path = "src/interleaved.rs"

[[bin]]
name = "overhead"
path = "src/overhead.rs"

[[bin]]
name = "checks"
path = "src/checks.rs"
EOF
for bin in interleaved overhead; do
    printf '#[path = "../../../../benches/%s.rs"]\nmod runner;\n\nfn main() {\n    runner::main()\n}\n' \
        "$bin" > "$bench/src/$bin.rs"
done
printf '#[path = "../../../../benches/peer/checks.rs"]\nmod checks;\n\nfn main() {\n    checks::main()\n}\n' \
    > "$bench/src/checks.rs"
# The same dependency versions as the crate's own builds; cargo adds what the peer needs.
[ -f "$bench/Cargo.lock" ] || cp Cargo.lock "$bench/Cargo.lock"
echo "generated: $out/client (openapi-generator $version), $bench"
