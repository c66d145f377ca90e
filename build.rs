// Compiles the Slint UI (ui/) with its translations (ui/translations/).
// With element debug info, always: the UI tests find controls through
// Slint's testing backend with it, and it costs only element names in the
// binary. (Keying it on the build profile proved brittle: cargo reuses a
// build script's output across test, check and clippy builds.)
fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        .with_debug_info(true);
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI compiles");
}
