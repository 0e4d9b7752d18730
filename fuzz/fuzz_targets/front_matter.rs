//! Front matter splitting and parsing: any text, as a page (first byte even) or a section.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    // The bytes go through the same decoding as a file read from disk (BOM, CRLF, UTF-8).
    let display = Path::new("content/a.ja.md");
    let Ok(text) = koho::text::decode(display, rest.to_vec()) else {
        return;
    };
    if let Err(errors) = koho::content::front_matter::parse(display, &text, first % 2 == 1) {
        // Every error is located and can be printed.
        for error in errors {
            let _ = error.to_string();
        }
    }
});
