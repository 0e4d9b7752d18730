#!/usr/bin/env python3
"""Generates a synthetic koho site (and the same content as Hugo and Zola sites) for benchmarks.

usage: gen_site.py OUT_DIR RELEASES [--downloads-mb N] [--pdf]
Writes OUT_DIR/koho (site.toml, content/, theme and locales copied from this repo; without
--pdf the theme's pdf.toml and fonts are left out, so no PDF is typeset: the issue measures
PDFs separately),
OUT_DIR/hugo and OUT_DIR/zola (config, content/, minimal equivalent templates: base layout with
html lang, hreflang alternates and a language switcher; a list paginated by 20; a single page;
feeds and sitemap on). Each release exists in ja, en and zh; a 20-chapter handbook per language.
Deterministic: the same arguments give the same files.
"""
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Sentences the release bodies are built from (synthetic, written for the benchmark). The
# issue asks for 2-4 KB of Markdown a release with CJK paragraphs: `release_body` strings them into
# paragraphs under headings, with a list, emphasis and a link, to a length set by the number.
OPENING = {
    "ja": "当機構は、日本と中国の医療交流を推進しています。本日は第{n}号の発表です。",
    "en": "NGMO promotes medical exchange between Japan and China. This is release number {n}.",
    "zh": "本机构致力于推动日中医疗交流。这是第{n}号新闻稿。",
}
HEADINGS = {
    "ja": ["概要", "背景", "今後の取り組み", "関係者の声", "補足"],
    "en": ["Summary", "Background", "Next steps", "Voices", "Notes"],
    "zh": ["概要", "背景", "今后的工作", "相关人士的话", "补充说明"],
}
LIST = {
    "ja": "- 日時：2020年5月13日\n- 場所：東京\n- 数量：医療用マスク{n}枚",
    "en": "- Date: 13 May 2020\n- Place: Tokyo\n- Quantity: {n} medical masks",
    "zh": "- 日期：2020年5月13日\n- 地点：东京\n- 数量：医用口罩{n}只",
}
SENTENCES = {
    "ja": [
        "感染拡大が続くなか、医療現場では物資の不足が大きな課題となっています。",
        "寄贈された物資は、協力病院を通じて必要とする施設へ順次届けられます。",
        "当機構は、受け入れ病院と連絡を取り合い、配送の状況を確認しています。",
        "**医療従事者の安全**を守ることは、地域医療を支える第一歩です。",
        "今回の取り組みには、多くの企業と団体から温かいご支援をいただきました。",
        "外国人患者の受け入れ体制の整備も、引き続き重要な課題です。",
        "通訳や案内の多言語化について、病院との意見交換を重ねています。",
        "詳しくは[当機構のウェブサイト](https://example.org/about/)をご覧ください。",
        "現場の声をもとに、支援の内容を見直しながら活動を続けてまいります。",
        "物資の保管と配布には、地域の自治体にもご協力いただいています。",
        "関係者の皆さまに、この場を借りて心より御礼申し上げます。",
        "今後も状況に応じて、必要な情報を適時お知らせいたします。",
    ],
    "en": [
        "As infections continue to spread, shortages of supplies remain a serious problem in hospitals.",
        "The donated items will be delivered to the facilities that need them through partner hospitals.",
        "NGMO stays in contact with the receiving hospitals and follows each delivery.",
        "Keeping **health workers safe** is the first step in supporting local medical care.",
        "Many companies and organisations supported this effort generously.",
        "Preparing hospitals to receive patients from abroad also remains an important task.",
        "We continue to discuss interpreting and multilingual guidance with hospitals.",
        "See [the NGMO website](https://example.org/en/about/) for details.",
        "We will keep reviewing our support based on what we hear from the front line.",
        "Local governments are also helping with the storage and distribution of the supplies.",
        "We would like to thank everyone involved for their cooperation.",
        "We will share further information as the situation develops.",
    ],
    "zh": [
        "疫情持续扩大，医疗一线物资短缺的问题依然严峻。",
        "捐赠的物资将通过合作医院陆续送往有需要的机构。",
        "本机构与接收医院保持联系，跟进每一批物资的配送情况。",
        "保护**医务人员的安全**是支持地区医疗的第一步。",
        "此次行动得到了众多企业和团体的热情支持。",
        "完善接收外国患者的体制，仍然是一项重要的课题。",
        "我们正就翻译服务和多语言指引与医院持续交换意见。",
        "详情请访问[本机构网站](https://example.org/zh/about/)。",
        "我们将根据一线的反馈，不断调整支援内容并继续开展工作。",
        "当地政府也在物资的保管与分发方面给予了协助。",
        "借此机会，谨向各位相关人士表示衷心的感谢。",
        "今后我们将根据情况，及时发布相关信息。",
    ],
}


def release_body(lang, n):
    """The Markdown of release n in lang: 2,048 to 4,096 bytes (UTF-8), set by n."""
    target = 2048 + (n * 2654435761) % 2049
    sentences = SENTENCES[lang]
    parts = [OPENING[lang].format(n=n), f"## {HEADINGS[lang][0]}", LIST[lang].format(n=n)]
    size, k, heading = sum(len(p.encode()) + 2 for p in parts), n, 1
    while size < target:
        if heading < len(HEADINGS[lang]) and k % 3 == 0:
            parts.append(f"## {HEADINGS[lang][heading]}")
            heading += 1
        sep = "" if lang in ("ja", "zh") else " "
        paragraph = sep.join(sentences[(3 * k + i) % len(sentences)] for i in range(3))
        parts.append(paragraph)
        size += len(paragraph.encode()) + 2
        k += 1
    return "\n\n".join(parts)


def chapter_body(lang, c):
    """A handbook chapter: the same kind of text as a release."""
    return release_body(lang, c)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def front(title, date, weight=None):
    lines = ["+++", f'title = "{title}"', f"date = {date}"]
    if weight is not None:
        lines.append(f"weight = {weight}")
    return "\n".join(lines + ["+++", ""])


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    downloads_mb = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--downloads-mb" else 0
    with_pdf = "--pdf" in sys.argv[3:]
    koho = os.path.join(out, "koho")
    hugo = os.path.join(out, "hugo")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(os.path.join(REPO, "themes"), os.path.join(koho, "themes"))
    if not with_pdf:
        for theme in os.listdir(os.path.join(koho, "themes")):
            folder = os.path.join(koho, "themes", theme)
            shutil.rmtree(os.path.join(folder, "fonts"), ignore_errors=True)
            if os.path.exists(os.path.join(folder, "pdf.toml")):
                os.remove(os.path.join(folder, "pdf.toml"))
    shutil.copytree(os.path.join(REPO, "locales"), os.path.join(koho, "locales"))
    shutil.copy(os.path.join(REPO, "site.toml"), os.path.join(koho, "site.toml"))
    with open(os.path.join(koho, "site.toml"), encoding="utf-8") as f:
        config = f.read()
    write(os.path.join(koho, "site.toml"), config)
    write(os.path.join(hugo, "config.toml"), HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        write(os.path.join(hugo, "layouts", name), text)
    zola = os.path.join(out, "zola")
    write(os.path.join(zola, "config.toml"), ZOLA_CONFIG)
    for name, text in ZOLA_TEMPLATES.items():
        write(os.path.join(zola, "templates", name), text)
    for lang in ("ja", "en", "zh"):
        suffix = "" if lang == "ja" else f".{lang}"
        write(os.path.join(zola, "content", f"_index{suffix}.md"), "+++\ntitle = \"home\"\n+++\nIntro.\n")
        write(os.path.join(zola, "content", "releases", f"_index{suffix}.md"),
              "+++\ntitle = \"releases\"\nsort_by = \"date\"\npaginate_by = 20\n+++\nIntro.\n")
        write(os.path.join(zola, "content", "handbook", f"_index{suffix}.md"),
              "+++\ntitle = \"handbook\"\nsort_by = \"weight\"\n+++\nIntro.\n")
        write(os.path.join(koho, "content", "handbook", f"_index.{lang}.md"),
              f'+++\ntitle = "handbook {lang}"\nsort_by = "weight"\n+++\nIntro.\n')
        write(os.path.join(hugo, "content", "handbook", f"_index.{lang}.md"), front(f"handbook {lang}", "2020-01-01") + "Intro.\n")
        for c in range(20):
            body = chapter_body(lang, c) + "\n"
            write(os.path.join(koho, "content", "handbook", f"c{c:02d}.{lang}.md"),
                  f'+++\ntitle = "Chapter {c} ({lang})"\nweight = {c + 1}\n+++\n' + body)
            write(os.path.join(hugo, "content", "handbook", f"c{c:02d}.{lang}.md"),
                  front(f"Chapter {c} ({lang})", "2020-01-01", c + 1) + body)
            write(os.path.join(zola, "content", "handbook", f"c{c:02d}{suffix}.md"),
                  f'+++\ntitle = "Chapter {c} ({lang})"\nweight = {c + 1}\n+++\n' + body)
    for lang in ("ja", "en", "zh"):
        for section in ("", "releases", "downloads", "about"):
            base = os.path.join("content", section) if section else "content"
            name = "index" if section == "about" else "_index"
            text = front(f"{section or 'home'} {lang}", "2020-01-01") + "Intro.\n"
            if section == "releases":
                text = "+++\n" + f'title = "releases {lang}"\nsort_by = "date"\npaginate_by = 20\n+++\nIntro.\n'
            write(os.path.join(koho, base, f"{name}.{lang}.md"), text)
            write(os.path.join(hugo, base, f"{name}.{lang}.md"), front(f"{section or 'home'} {lang}", "2020-01-01") + "Intro.\n")
        for _, frag in (("p", "profile"), ("c", "contact")):
            write(os.path.join(koho, "content", "_fragments", f"{frag}.{lang}.md"), front(frag, "2020-01-01") + "Text.\n")
    for n in range(count):
        day = 1 + n % 28
        month = 1 + (n // 28) % 12
        date = f"20{10 + n % 10:02d}-{month:02d}-{day:02d}"
        for lang in ("ja", "en", "zh"):
            text = front(f"Release {n} ({lang})", date) + release_body(lang, n) + "\n"
            rel = os.path.join("content", "releases", f"r{n:05d}", f"index.{lang}.md")
            write(os.path.join(koho, rel), text)
            write(os.path.join(hugo, rel), text)
            suffix = "" if lang == "ja" else f".{lang}"
            write(os.path.join(zola, "content", "releases", f"r{n:05d}", f"index{suffix}.md"), text)
    if downloads_mb:
        folder = os.path.join(koho, "content", "downloads", "big")
        os.makedirs(folder, exist_ok=True)
        lines = []
        chunk = os.urandom(1024 * 1024)
        files = 4
        for i in range(files):
            path = os.path.join(folder, f"archive-{i}.zip")
            with open(path, "wb") as f:
                for _ in range(downloads_mb // files):
                    f.write(chunk)
            lines.append(
                f'[[item]]\nid = "big-{i}"\ncategory = "press"\nupdated = 2020-05-13\n'
                f'title = {{ ja = "大きな資料 {i}", en = "Large file {i}", zh = "大文件 {i}" }}\n\n'
                f'[[item.file]]\nlang = "ja"\npath = "big/archive-{i}.zip"\nformat = "zip"\n'
            )
        write(os.path.join(koho, "content", "downloads", "downloads.toml"), "\n".join(lines))


HUGO_CONFIG = """baseURL = "https://example.org/"
defaultContentLanguage = "ja"
defaultContentLanguageInSubdir = true
disableKinds = ["taxonomy", "term"]
[pagination]
pagerSize = 20
[languages.ja]
weight = 1
[languages.en]
weight = 2
[languages.zh]
weight = 3
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html><html lang="{{ .Language.Lang }}"><head><meta charset="utf-8"><title>{{ .Title }}</title>
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">{{ end }}</head>
<body><nav>{{ range .Site.Home.AllTranslations }}<a href="{{ .RelPermalink }}">{{ .Language.Lang }}</a>{{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>{{ .Content }}</article>{{ end }}""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}""",
}

ZOLA_CONFIG = """base_url = "https://example.org"
default_language = "ja"
generate_feeds = true
build_search_index = false
compile_sass = false
[languages.en]
generate_feeds = true
[languages.zh]
generate_feeds = true
"""

ZOLA_BASE = """<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
{% block alternates %}{% endblock %}</head>
<body><nav><a href="{{ get_url(path='@/_index.md') }}">ja</a> <a href="{{ get_url(path='@/_index.md', lang='en') }}">en</a> <a href="{{ get_url(path='@/_index.md', lang='zh') }}">zh</a></nav>
<main>{% block main %}{% endblock %}</main></body></html>"""

ZOLA_TEMPLATES = {
    "base.html": ZOLA_BASE,
    "index.html": """{% extends "base.html" %}{% block title %}{{ section.title }}{% endblock %}{% block main %}<h1>{{ section.title }}</h1>{{ section.content | safe }}{% endblock %}""",
    "section.html": """{% extends "base.html" %}{% block title %}{{ section.title }}{% endblock %}
{% block alternates %}{% for t in section.translations %}<link rel="alternate" hreflang="{{ t.lang }}" href="{{ t.permalink }}">{% endfor %}{% endblock %}
{% block main %}<h1>{{ section.title }}</h1>{{ section.content | safe }}<ul>{% if paginator %}{% for p in paginator.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a></li>{% endfor %}{% else %}{% for p in section.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a></li>{% endfor %}{% endif %}</ul>{% endblock %}""",
    "page.html": """{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock %}
{% block alternates %}{% for t in page.translations %}<link rel="alternate" hreflang="{{ t.lang }}" href="{{ t.permalink }}">{% endfor %}{% endblock %}
{% block main %}<article><h1>{{ page.title }}</h1><time datetime="{{ page.date }}">{{ page.date }}</time>{{ page.content | safe }}</article>{% endblock %}""",
}

if __name__ == "__main__":
    main()
