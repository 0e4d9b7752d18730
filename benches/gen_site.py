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

BODY = {
    "ja": "当機構は、日本と中国の医療交流を推進しています。本日は第{n}号の発表です。\n\n## 概要\n\n医療用マスク{n}枚を寄贈しました。詳細は以下のとおりです。\n\n- 日時：2020年5月13日\n- 場所：東京\n\n## 背景\n\n感染拡大が続くなか、医療現場の物資不足が課題となっています。",
    "en": "NGMO promotes medical exchange between Japan and China. This is release number {n}.\n\n## Summary\n\n{n} medical masks were donated. Details follow.\n\n- Date: 13 May 2020\n- Place: Tokyo\n\n## Background\n\nAs infections spread, hospitals faced shortages of supplies.",
    "zh": "本机构致力于推动日中医疗交流。这是第{n}号新闻稿。\n\n## 概要\n\n捐赠了{n}只医用口罩。详情如下。\n\n- 日期：2020年5月13日\n- 地点：东京\n\n## 背景\n\n疫情持续扩大，医疗一线物资短缺。",
}


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
            body = BODY[lang].format(n=c) + "\n"
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
            text = front(f"Release {n} ({lang})", date) + BODY[lang].format(n=n) + "\n"
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
