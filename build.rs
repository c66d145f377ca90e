// Compiles the Slint UI (ui/) with its translations (ui/translations/).
fn main() {
    let config =
        slint_build::CompilerConfiguration::new().with_bundled_translations("ui/translations");
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI compiles");
}
