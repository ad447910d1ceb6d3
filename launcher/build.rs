// Turns `pkg-config --libs webkit2gtk-4.1 gtk+-3.0` into link flags (Linux only).
// No crates: the launcher builds offline with nothing but rustc, cargo and the -dev packages.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        return;
    }
    let out = Command::new("pkg-config")
        .args(["--libs", "webkit2gtk-4.1", "gtk+-3.0"])
        .output()
        .expect("pkg-config not found: apt-get install pkg-config libwebkit2gtk-4.1-dev");
    if !out.status.success() {
        panic!(
            "pkg-config failed (is libwebkit2gtk-4.1-dev installed?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib=dylib={}", lib);
        }
    }
}
