#!/bin/sh
# Builds the prebuilt launcher binaries shipped by create-taupy, offline, and stamps the
# sources' hash so CI can tell when a binary is stale (test/launcher.test.ts).
#   launcher/build.sh            linux-x64 and win32-x64
#   launcher/build.sh linux      only linux-x64 (cargo + rustup's stable Rust)
#   launcher/build.sh windows    only win32-x64 (Debian's rustc 1.63 + mingw-w64)
# Needs: Linux: cargo, pkg-config, libwebkit2gtk-4.1-dev. Windows: Debian packages rustc,
# libstd-rust-dev-windows, gcc-mingw-w64-x86-64. No network: the crate has no dependencies.
set -eu
cd "$(dirname "$0")"
what="${1:-all}"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

if [ "$what" = all ] || [ "$what" = linux ]; then
  CARGO_NET_OFFLINE=true cargo build --release --offline --locked
  mkdir -p prebuilt/linux-x64
  cp target/release/taupy-launcher prebuilt/linux-x64/taupy-launcher
  strip prebuilt/linux-x64/taupy-launcher 2>/dev/null || true
  echo "built prebuilt/linux-x64/taupy-launcher ($(wc -c < prebuilt/linux-x64/taupy-launcher) bytes)"
fi

if [ "$what" = all ] || [ "$what" = windows ]; then
  RUSTC_163="${RUSTC_WINDOWS:-/usr/bin/rustc}"
  mkdir -p prebuilt/win32-x64 target/windows
  CARGO_PKG_VERSION="$version" "$RUSTC_163" --edition 2021 --crate-name taupy_launcher --crate-type bin \
    --target x86_64-pc-windows-gnu -C linker=x86_64-w64-mingw32-gcc \
    -C opt-level=s -C panic=abort -C lto=fat -C codegen-units=1 -C strip=symbols \
    -o prebuilt/win32-x64/taupy-launcher.exe src/main.rs
  echo "built prebuilt/win32-x64/taupy-launcher.exe ($(wc -c < prebuilt/win32-x64/taupy-launcher.exe) bytes)"
fi

# The stamp: sha256sum of every source file, sorted by path (the test recomputes it).
{ printf '%s\n' Cargo.toml Cargo.lock build.rs protocol-examples.json; find src -name '*.rs'; } \
  | LC_ALL=C sort | xargs sha256sum > prebuilt/SOURCES.sha256
echo "stamped prebuilt/SOURCES.sha256"
