// Compiles the Slint UI (ui/) with its translations (ui/translations/).
// Debug builds carry element debug info: the UI tests find controls through
// Slint's testing backend with it. Release builds (the appliance) do not.
fn main() {
    let debug = std::env::var("PROFILE").is_ok_and(|p| p == "debug");
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        .with_debug_info(debug);
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI compiles");
}
