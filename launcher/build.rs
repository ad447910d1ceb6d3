// Linux: GTK and WebKitGTK are not linked; the launcher loads them with dlopen in window mode
// only (src/platform/linux_dl.rs), so a start without a window does not pay for binding them.
// Only libdl (part of glibc) is linked, by the `#[link(name = "dl")]` blocks.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
}
