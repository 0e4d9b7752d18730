//! `cached_partial(name=…, …)` renders a template once per language and arguments, and
//! `section_pages(…, exclude=page.key)` leaves the page itself out of a list: the shipped
//! theme's "latest releases" aside, header and footer are made this way. What a partial shows
//! must be what an include would show, it must never see the page, and an edit must still
//! reach every page that shows it.

use crate::support;

use support::{error_in, SiteFixture};

/// `count` more releases per language, dated 2021-01-01, 2021-01-02, …: the newest is the
/// last (`r{count}`), so the latest five are `r{count}` down to `r{count-4}`.
fn with_releases(count: usize) -> SiteFixture {
    let site = SiteFixture::new();
    for n in 1..=count {
        for lang in ["ja", "en", "zh"] {
            site.write(
                &format!("content/releases/r{n}/index.{lang}.md"),
                &format!("+++\ntitle = \"r{n}-{lang}\"\ndate = 2021-01-{n:02}\n+++\n\nbody\n"),
            );
        }
    }
    site
}

fn aside_titles(site: &SiteFixture, page: &str) -> Vec<String> {
    site.page(page)
        .select(".release-aside .release-title")
        .iter()
        .map(|a| a.text().collect::<String>())
        .collect()
}

#[test]
fn the_latest_releases_aside_leaves_out_the_page_itself_and_shows_the_next_one() {
    let site = with_releases(7);
    site.build_ok();
    let latest: Vec<String> = (3..=7).rev().map(|n| format!("r{n}-en")).collect();
    assert_eq!(aside_titles(&site, "en/releases/r1/index.html"), latest);
    // The newest release lists the five after it.
    let after_newest: Vec<String> = (2..=6).rev().map(|n| format!("r{n}-en")).collect();
    assert_eq!(
        aside_titles(&site, "en/releases/r7/index.html"),
        after_newest
    );
    // One in the middle of the five: the others and the sixth.
    assert_eq!(
        aside_titles(&site, "ja/releases/r5/index.html"),
        ["r7-ja", "r6-ja", "r4-ja", "r3-ja", "r2-ja"]
    );
}

#[test]
fn an_edit_to_the_sixth_latest_release_reaches_the_aside_of_the_latest_ones() {
    let site = with_releases(7);
    site.build_ok();
    site.replace("content/releases/r2/index.en.md", "r2-en", "r2-en-renamed");
    site.build_ok();
    assert_eq!(
        aside_titles(&site, "en/releases/r7/index.html"),
        ["r6-en", "r5-en", "r4-en", "r3-en", "r2-en-renamed"]
    );
    // And an older page, whose aside does not show it, is the same as before.
    assert!(!aside_titles(&site, "en/releases/r1/index.html").contains(&"r2-en-renamed".into()));
}

#[test]
fn a_cached_partial_shows_its_arguments_and_language_and_differs_when_they_do() {
    let site = SiteFixture::new();
    site.write(
        "themes/ngmo/templates/partials/greeting.html",
        "<p class=\"greeting\" data-n=\"{{ n }}\">{{ lang }} {{ t(key='nav-home') }} {{ site.base_path }}</p>",
    );
    site.home_template_main(
        "{{ cached_partial(name='partials/greeting.html', n=1) }}{{ cached_partial(name='partials/greeting.html', n=2) }}{{ cached_partial(n=1, name='partials/greeting.html') }}",
    );
    site.build_ok();
    for lang in ["ja", "en", "zh"] {
        let page = site.page(&format!("{lang}/index.html"));
        assert_eq!(page.attrs(".greeting", "data-n"), ["1", "2", "1"]);
        let first: String = page.select(".greeting")[0].text().collect();
        assert!(first.starts_with(&format!("{lang} ")), "{first}");
    }
    let en = site.page("en/index.html");
    let first: String = en.select(".greeting")[0].text().collect();
    assert_eq!(first, "en Home /");
}

#[test]
fn a_cached_partial_never_sees_the_page() {
    let site = SiteFixture::new();
    site.write(
        "themes/ngmo/templates/partials/title.html",
        "<p>{{ page.title }}</p>",
    );
    site.home_template_main("{{ cached_partial(name='partials/title.html') }}");
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, "themes/ngmo/templates/index.html");
    assert!(
        error.message.contains("partials/title.html") && error.message.contains("page"),
        "{error}"
    );
}

#[test]
fn cached_partial_mistakes_are_template_errors_that_say_what_to_do() {
    for (call, names) in [
        (
            "{{ cached_partial(name='partials/none.html') }}",
            "partials/none.html",
        ),
        ("{{ cached_partial(n=1) }}", "`name`"),
        (
            "{{ cached_partial(name='partials/nested.html') }}",
            "cannot be called inside a cached partial",
        ),
        (
            "{{ section_pages(key='releases', exclude=3) | length }}",
            "exclude=page.key",
        ),
        (
            "{{ section_pages(key='releases', exclud=page.key) | length }}",
            "not `exclud`",
        ),
        (
            "{{ section_pages(key='releases', limit='2') | length }}",
            "whole number",
        ),
        (
            "{{ section_pages(key='releases', limit=-1) | length }}",
            "whole number",
        ),
        (
            "{{ section_pages(key='releases', limit=2.5) | length }}",
            "whole number",
        ),
        (
            "{{ cached_partial(name='partials/feed-icon.html', lang='zh') }}",
            "`lang` is given to every partial",
        ),
        (
            "{{ cached_partial(name='partials/feed-icon.html', site=1) }}",
            "`site` is given to every partial",
        ),
    ] {
        let site = SiteFixture::new();
        site.write(
            "themes/ngmo/templates/partials/nested.html",
            "{{ cached_partial(name='partials/feed-icon.html') }}",
        );
        site.home_template_main(call);
        let diagnostics = site.build_errors();
        let error = error_in(&diagnostics, "themes/ngmo/templates/index.html");
        assert!(error.message.contains(names), "{call}: {error}");
    }
}

/// Whatever the partial's file is called, its values are escaped as in the page: Tera decides
/// by the name of the template it renders, and an `.svg` partial was rendered raw.
#[test]
fn a_partial_not_named_html_is_escaped_too() {
    let site = SiteFixture::new();
    site.write(
        "themes/ngmo/templates/partials/icon.svg",
        "<svg class=\"icon\"><title>{{ label }}</title></svg>",
    );
    site.home_template_main(
        "{{ cached_partial(name='partials/icon.svg', label='Hi <img src=x onerror=alert(1)>') }}",
    );
    site.build_ok();
    let page = site.page("en/index.html");
    assert!(
        page.select("svg.icon img").is_empty(),
        "an element was injected"
    );
    assert_eq!(
        page.text("svg.icon title"),
        "Hi <img src=x onerror=alert(1)>"
    );
}

/// The site root's pages belong to no language: a cached partial there is an error that says
/// what to use instead.
#[test]
fn a_cached_partial_on_the_site_roots_pages_says_to_include() {
    let site = SiteFixture::new();
    site.write(
        "themes/ngmo/templates/404-root.html",
        "<!DOCTYPE html><html><body>{{ cached_partial(name='partials/feed-icon.html') }}</body></html>",
    );
    let diagnostics = site.build_errors();
    let error = error_in(&diagnostics, "themes/ngmo/templates/404-root.html");
    assert!(error.message.contains("{% include %}"), "{error}");
}

/// A mistake in a partial that every release shows is one error per language and template,
/// naming the first page and how many more, not one per page.
#[test]
fn the_same_template_error_on_many_pages_is_reported_once() {
    let site = with_releases(5);
    site.write(
        "themes/ngmo/templates/partials/latest-releases.html",
        "<aside>{{ t(key='no-such-message-anywhere') }}</aside>",
    );
    let diagnostics = site.build_errors();
    let about_it: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.message.contains("no-such-message-anywhere"))
        .collect();
    // Six releases (the fixture's and five) in each of three languages.
    assert_eq!(about_it.len(), 3, "{about_it:#?}");
    for error in about_it {
        assert!(error.message.contains("and 5 more pages)"), "{error}");
        assert!(
            error.message.contains("partials/latest-releases.html"),
            "{error}"
        );
    }
}
