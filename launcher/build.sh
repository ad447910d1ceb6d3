#!/bin/sh
# Builds the prebuilt launcher binaries shipped by create-taupy and stamps the sources' hash so
# CI can tell when a binary is stale (test/launcher.test.ts).
#   launcher/build.sh            linux-x64 and win32-x64
#   launcher/build.sh linux      only linux-x64 (cargo + rustup's stable Rust)
#   launcher/build.sh windows    only win32-x64 (Debian's rustc 1.63 + cargo + mingw-w64)
#   launcher/build.sh windows-exe OUT.exe   the Windows exe to OUT.exe only: no prebuilt, no stamp
#                                (test/launcher-windows.test.ts builds with this)
# Needs: Linux: cargo, pkg-config, libwebkit2gtk-4.1-dev. Windows: Debian packages rustc, cargo,
# libstd-rust-dev-windows, gcc-mingw-w64-x86-64.
# Crates (brotli-decompressor, sha2, ed25519-dalek; pinned by Cargo.lock) are vendored once into target/vendor
# with rustup's cargo (Debian's cargo cannot read the sparse crates.io index); both builds then
# run offline from that folder.
set -eu
what="${1:-all}"
cd "$(dirname "$0")"
vendor="$PWD/target/vendor"

# .complete holds the Cargo.lock it was made from: a changed lock vendors again.
lock_hash=$(sha256sum Cargo.lock | cut -d' ' -f1)
if [ "$(cat "$vendor/.complete" 2>/dev/null)" != "$lock_hash" ]; then
  rm -rf "$vendor"
  cargo vendor --locked --versioned-dirs "$vendor" > /dev/null
  echo "$lock_hash" > "$vendor/.complete"
fi
offline() {
  "$@" --offline --locked --release \
    --config 'source.crates-io.replace-with="vendored-sources"' \
    --config "source.vendored-sources.directory=\"$vendor\""
}

if [ "$what" = all ] || [ "$what" = linux ]; then
  offline cargo build
  mkdir -p prebuilt/linux-x64
  cp target/release/taupy-launcher prebuilt/linux-x64/taupy-launcher
  strip prebuilt/linux-x64/taupy-launcher 2>/dev/null || true
  echo "built prebuilt/linux-x64/taupy-launcher ($(wc -c < prebuilt/linux-x64/taupy-launcher) bytes)"
fi

# Debian's rustc 1.63 (the only toolchain here with a Windows std) driven by Debian's cargo;
# opt-level s (3 for Brotli and SHA-256), LTO, panic=abort and strip come from [profile.release] in Cargo.toml.
build_windows() {
  RUSTC_163="${RUSTC_WINDOWS:-/usr/bin/rustc}"
  PATH="/usr/bin:$PATH" RUSTC="$RUSTC_163" CARGO_TARGET_DIR="$PWD/target/windows" offline /usr/bin/cargo build \
    --target x86_64-pc-windows-gnu \
    --config 'target.x86_64-pc-windows-gnu.linker="x86_64-w64-mingw32-gcc"'
  mkdir -p "$(dirname "$1")"
  cp target/windows/x86_64-pc-windows-gnu/release/taupy-launcher.exe "$1"
  echo "built $1 ($(wc -c < "$1") bytes)"
}
if [ "$what" = windows-exe ]; then
  out="$2"
  case "$out" in /*) ;; *) out="$OLDPWD/$out" ;; esac
  build_windows "$out"
  exit 0
fi

if [ "$what" = all ] || [ "$what" = windows ]; then
  build_windows prebuilt/win32-x64/taupy-launcher.exe
fi

# The stamp: sha256sum of every source file, sorted by path (the test recomputes it).
{ printf '%s\n' Cargo.toml Cargo.lock build.rs protocol-examples.json; find src -name '*.rs'; } \
  | LC_ALL=C sort | xargs sha256sum > prebuilt/SOURCES.sha256
echo "stamped prebuilt/SOURCES.sha256"
