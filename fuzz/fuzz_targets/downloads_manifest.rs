//! The downloads manifest: any text checked as content/downloads/downloads.toml of a small
//! site holding a few files (one PDF, one EPUB, a folder, a link out of the folder).
#![no_main]

use std::sync::OnceLock;

use koho::config::SiteConfig;
use koho::content::downloads::{check_manifest, hash::HashCache};
use libfuzzer_sys::fuzz_target;

fn site() -> &'static (tempfile::TempDir, SiteConfig) {
    static SITE: OnceLock<(tempfile::TempDir, SiteConfig)> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let downloads = dir.path().join("content/downloads");
        std::fs::create_dir_all(downloads.join("folder.pdf")).expect("folders");
        std::fs::write(downloads.join("a.pdf"), b"%PDF-1.7\n").expect("pdf");
        std::fs::write(downloads.join("b.epub"), b"PK").expect("epub");
        std::fs::write(dir.path().join("secret.pdf"), b"outside").expect("outside");
        #[cfg(unix)]
        std::os::unix::fs::symlink("../../secret.pdf", downloads.join("link.pdf")).expect("link");
        std::fs::write(
            dir.path().join("site.toml"),
            "base_url = \"https://example.org/\"\ndefault_language = \"ja\"\ntheme = \"t\"\n\
             [languages.ja]\nname = \"日本語\"\ntag = \"ja\"\n\
             [languages.en]\nname = \"English\"\ntag = \"en\"\n",
        )
        .expect("site.toml");
        let config = koho::config::load(dir.path(), None).expect("the fixture's site.toml");
        (dir, config)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, config) = site();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (items, diagnostics) = check_manifest(config, &HashCache::default(), text);
    for diagnostic in diagnostics {
        let _ = diagnostic.to_string();
    }
    // Whatever the manifest says, every file it publishes is inside content/downloads/ and
    // goes out under downloads/.
    let inside = dir.path().join("content/downloads").canonicalize().expect("folder");
    for file in items.iter().flat_map(|item| &item.files) {
        assert!(file.output.starts_with("downloads/") && !file.output.contains(".."));
        if let Some(source) = &file.source {
            let real = source.canonicalize().expect("a listed file exists");
            assert!(real.starts_with(&inside), "{} escaped", real.display());
        }
    }
});
