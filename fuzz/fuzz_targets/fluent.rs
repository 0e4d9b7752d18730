//! Fluent loading: the input is written as locales/ja/main.ftl of a one-language site and the
//! locale is loaded and checked as a build does (syntax errors located, every message
//! formatted once, the date patterns checked).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// A site folder made once per process: site.toml and locales/ja/.
fn site() -> &'static (tempfile::TempDir, PathBuf) {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("locales/ja")).expect("locales folder");
        std::fs::write(
            dir.path().join("site.toml"),
            "base_url = \"https://example.org/\"\ndefault_language = \"ja\"\ntheme = \"t\"\n\
             [languages.ja]\nname = \"日本語\"\ntag = \"ja\"\n",
        )
        .expect("site.toml");
        let ftl = dir.path().join("locales/ja/main.ftl");
        (dir, ftl)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, ftl) = site();
    std::fs::write(ftl, data).expect("write main.ftl");
    let config = match koho::config::load(dir.path(), None) {
        Ok(config) => config,
        Err(errors) => panic!("the fixture's site.toml: {errors:?}"),
    };
    let (locales, diagnostics) = koho::i18n::Locales::load(&config);
    for diagnostic in diagnostics {
        let _ = diagnostic.to_string();
    }
    for key in locales.keys("ja").take(50) {
        let _ = locales.get("ja", key, None);
    }
});
