//! The NGMO site shipped in content/: it builds cleanly, the seed release reads right in all
//! three languages, and no internal link in the whole output is dead.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use koho::BuildReport;
use support::*;
use tempfile::TempDir;

const SEED: &str = "releases/2020-05-13-alibaba-foundation-masks-protective-suits";

struct Shipped {
    _dir: TempDir,
    output: PathBuf,
    report: BuildReport,
    files: BTreeMap<String, Vec<u8>>,
}

/// The real site (root = the crate folder) built once into a temp dir under target/.
fn shipped() -> &'static Shipped {
    static SHIPPED: OnceLock<Shipped> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
        let output = dir.path().join("public");
        let report = unwrap_report(koho::build(&koho::BuildOptions {
            root: manifest_dir(),
            output: Some(output.clone()),
            base_url: None,
            include_drafts: false,
            ..Default::default()
        }));
        let files = snapshot(&output);
        Shipped {
            _dir: dir,
            output,
            report,
            files,
        }
    })
}

fn page(relative: &str) -> Page {
    Page::load(&shipped().output, relative)
}

#[test]
fn the_shipped_site_builds_without_warnings() {
    let site = shipped();
    assert!(
        site.report.warnings.is_empty(),
        "warnings:\n{}",
        render(&site.report.warnings)
    );
    assert!(site.report.pages > 100, "{} pages", site.report.pages);
    for lang in ["ja", "en", "zh"] {
        for section in ["", "releases/", "handbook/", "downloads/", "about/"] {
            let file = format!("{lang}/{section}index.html");
            assert!(site.files.contains_key(&file), "{file} is missing");
        }
    }
    assert!(site.files.contains_key("index.html"));
}

/// What the seed release must show in one language.
struct Expected {
    lang: &'static str,
    tag: &'static str,
    title: &'static str,
    date: &'static str,
    caption: &'static str,
    /// Phrases of the body (the quantities donated).
    body: &'static [&'static str],
    heading_id: &'static str,
    addressee: &'static str,
    end: &'static str,
    profile_title: &'static str,
    profile_first_term: &'static str,
    contact_title: &'static str,
    contact_first_term: &'static str,
}

const EXPECTED: [Expected; 3] = [
    Expected {
        lang: "ja",
        tag: "ja",
        title: "アリババ創業者 ジャック・マー氏が再び物資支援",
        date: "2020年5月13日（水）",
        caption: "支援物資積み込みの様子（5/11）",
        body: &[
            "高機能マスク30万枚と防護服15万枚を寄贈しました",
            "医療用高機能マスク30万枚と防護服15万枚",
        ],
        heading_id: "ジャック-マー氏の医療現場への貢献",
        addressee: "報道関係者各位",
        end: "以上",
        profile_title: "法人概要",
        profile_first_term: "法人名",
        contact_title: "本件に関するお問い合わせ先",
        contact_first_term: "団体名",
    },
    Expected {
        lang: "en",
        tag: "en",
        title: "Alibaba founder Jack Ma sends relief supplies again",
        date: "13 May 2020",
        caption: "Loading the relief supplies (11 May)",
        body: &[
            "donated 300,000 high-performance masks and 150,000 protective suits",
            "300,000 high-performance medical masks and 150,000 protective suits",
        ],
        heading_id: "jack-ma-s-contribution-to-medical-care",
        addressee: "FOR IMMEDIATE RELEASE",
        end: "###",
        profile_title: "About NGMO",
        profile_first_term: "Name",
        contact_title: "Media contact",
        contact_first_term: "Organisation",
    },
    Expected {
        lang: "zh",
        tag: "zh-Hans",
        title: "阿里巴巴创始人马云再次援助物资",
        date: "2020年5月13日",
        caption: "装载援助物资（5月11日）",
        body: &[
            "捐赠了30万只高性能口罩和15万套防护服",
            "30万只医用高性能口罩和15万套防护服",
        ],
        heading_id: "马云先生对医疗一线的贡献",
        addressee: "各新闻媒体",
        end: "（完）",
        profile_title: "关于日本医疗国际化机构",
        profile_first_term: "机构名称",
        contact_title: "媒体联系方式",
        contact_first_term: "机构名称",
    },
];

#[test]
fn the_seed_release_reads_right_in_three_languages() {
    for e in &EXPECTED {
        let file = format!("{}/{SEED}/index.html", e.lang);
        let p = page(&file);
        let lang = e.lang;
        assert_eq!(p.attr("html", "lang"), e.tag, "{file}");
        assert_eq!(p.text("article.press-release h1"), e.title, "{file}");
        assert!(p.text("title").starts_with(e.title), "{file}");
        let time = p.one(".release-header time");
        assert_eq!(time.value().attr("datetime"), Some("2020-05-13"), "{file}");
        assert_eq!(text(time), e.date, "{file}");
        assert_eq!(p.text(".release-addressee"), e.addressee, "{file}");
        assert_eq!(p.text(".release-end"), e.end, "{file}");

        // The photo with its caption, published beside the page.
        let img = p.one("figure.release-photo img");
        let src = img.value().attr("src").unwrap();
        assert_eq!(src, format!("/{lang}/{SEED}/photo.svg"), "{file}");
        assert!(
            shipped().files.contains_key(&file_for(src)),
            "{file}: {src} is not published"
        );
        assert!(
            !img.value().attr("alt").unwrap_or_default().is_empty(),
            "{file}: the photo has no alt text"
        );
        assert_eq!(
            p.text("figure.release-photo figcaption"),
            e.caption,
            "{file}"
        );

        let body = p.text(".release-body");
        for phrase in e.body {
            assert!(body.contains(phrase), "{file}: `{phrase}` not in the body");
        }
        assert_eq!(
            p.select(".release-body blockquote").len(),
            1,
            "{file}: the quote"
        );
        assert_eq!(p.attrs(".release-body h2", "id"), [e.heading_id], "{file}");
        assert_eq!(
            p.attr(".release-body a[href*='downloads']", "href"),
            format!("/{lang}/downloads/"),
            "{file}: the downloads link is in the page's language"
        );

        // The profile and the contact follow the release, in this order.
        let order: Vec<String> = p
            .select("article.press-release .release-body, article.press-release section.profile, article.press-release section.contact")
            .iter()
            .map(|e| e.value().attr("class").unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            order,
            ["prose release-body", "profile", "contact"],
            "{file}"
        );
        assert_eq!(
            p.text("section.profile h2#profile-heading"),
            e.profile_title,
            "{file}"
        );
        assert_eq!(
            text(p.select("section.profile dt")[0]),
            e.profile_first_term,
            "{file}"
        );
        assert_eq!(
            p.text("section.contact h2#contact-heading"),
            e.contact_title,
            "{file}"
        );
        assert_eq!(
            text(p.select("section.contact dt")[0]),
            e.contact_first_term,
            "{file}"
        );

        // All three translations are alternates of each other.
        let alternates: BTreeSet<String> = p
            .attrs("link[rel=alternate]", "hreflang")
            .into_iter()
            .collect();
        let expected: BTreeSet<String> = ["ja", "en", "zh-Hans", "x-default"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(alternates, expected, "{file}");
    }
    let en = page(&format!("en/{SEED}/index.html"));
    assert_eq!(en.text(".release-dateline"), "TOKYO, 13 May 2020 —");
}

#[test]
fn the_seed_release_is_listed_in_each_language() {
    for e in &EXPECTED {
        let list = page(&format!("{}/releases/index.html", e.lang));
        let item = list
            .select(".release-list li")
            .into_iter()
            .find(|li| li.html().contains(SEED))
            .unwrap_or_else(|| panic!("{}: the seed release is not listed", e.lang));
        let item = Page::parse("item", &item.html());
        assert_eq!(item.text("a.release-title"), e.title);
        assert_eq!(item.text("time"), e.date);
    }
}

/// Whether the page at `file` has an element with this id.
fn has_id(
    files: &BTreeMap<String, Vec<u8>>,
    cache: &mut BTreeMap<String, BTreeSet<String>>,
    file: &str,
    id: &str,
) -> bool {
    let ids = cache.entry(file.to_string()).or_insert_with(|| {
        let text = String::from_utf8_lossy(&files[file]).into_owned();
        Page::parse(file, &text)
            .attrs("[id]", "id")
            .into_iter()
            .collect()
    });
    ids.contains(id)
}

#[test]
fn every_internal_link_resolves() {
    let site = shipped();
    let files = &site.files;
    let mut ids = BTreeMap::new();
    let mut checked = 0;
    let mut dead = Vec::new();
    for (name, text) in html_files(files) {
        let page = Page::parse(name, &text);
        for link in page.links() {
            let internal = if let Some(rest) = link.strip_prefix("https://ngmo.or.jp/") {
                format!("/{rest}")
            } else if link.starts_with('/') && !link.starts_with("//") {
                link.clone()
            } else if let Some(fragment) = link.strip_prefix('#') {
                checked += 1;
                if !has_id(files, &mut ids, name, &percent_decode(fragment)) {
                    dead.push(format!("{name}: {link} (no such id)"));
                }
                continue;
            } else if link.contains(':') || link.starts_with("//") {
                continue; // external
            } else {
                dead.push(format!("{name}: {link} is relative"));
                continue;
            };
            checked += 1;
            assert!(
                !link.contains("@/") && !link.contains(".md"),
                "{name}: unresolved content link {link}"
            );
            let target = file_for(&percent_decode(&internal));
            if !files.contains_key(&target) {
                dead.push(format!("{name}: {link} → {target} does not exist"));
                continue;
            }
            if let Some((_, fragment)) = internal.split_once('#') {
                if target.ends_with(".html")
                    && !has_id(files, &mut ids, &target, &percent_decode(fragment))
                {
                    dead.push(format!("{name}: {link} (no such id in {target})"));
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} links checked");
    assert!(
        dead.is_empty(),
        "{} dead links:\n{}",
        dead.len(),
        dead.join("\n")
    );
}

#[test]
fn the_shipped_site_builds_identically_twice() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let output = dir.path().join("again");
    unwrap_report(koho::build(&koho::BuildOptions {
        root: manifest_dir(),
        output: Some(output.clone()),
        base_url: None,
        include_drafts: false,
        ..Default::default()
    }));
    assert_same_files(&shipped().files, &snapshot(&output));
}
