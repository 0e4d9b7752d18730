#!/usr/bin/env python3
"""Makes the theme's PDF fonts: subsets of Debian's fonts-noto-cjk (SIL OFL 1.1, see OFL.txt).

Each language keeps the characters of its national standard set (JIS X 0208 for the JP faces,
GB 2312 for the SC faces), Latin, punctuation and symbols, and every character of the site's
content/ and locales/, so the shipped site always typesets. A text with a character outside
them fails the build naming the character; install fonts-noto-cjk and use a theme without
fonts/ (system fonts) for such texts, or run this script again after adding the text.

Needs fonttools (pip install fonttools) and fonts-noto-cjk. Run from the repository root:
    python3 themes/ngmo/fonts/subset.py
"""
import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

NOTO = pathlib.Path("/usr/share/fonts/opentype/noto")
OUT = pathlib.Path(__file__).resolve().parent
ROOT = OUT.parent.parent.parent
# (collection, index in it, region, output name). Serif Regular for body text, Sans Bold for
# titles, headings and bold text (Japanese and Chinese set emphasis in a gothic face).
FACES = [
    ("NotoSerifCJK-Regular.ttc", 0, "jp", "NotoSerifCJKjp-Regular-subset.otf"),
    ("NotoSansCJK-Bold.ttc", 0, "jp", "NotoSansCJKjp-Bold-subset.otf"),
    ("NotoSerifCJK-Regular.ttc", 2, "sc", "NotoSerifCJKsc-Regular-subset.otf"),
    ("NotoSansCJK-Bold.ttc", 2, "sc", "NotoSansCJKsc-Bold-subset.otf"),
]


def national_set(codec):
    """Every character a two-byte EUC codec (euc_jp, gb2312) can encode."""
    chars = set()
    for first in range(0xA1, 0xFF):
        for second in range(0xA1, 0xFF):
            try:
                chars.update(bytes([first, second]).decode(codec))
            except UnicodeDecodeError:
                pass
    return chars


def common():
    chars = set(chr(c) for c in range(0x20, 0x250))  # Latin, Latin-1, Latin Extended-A/B
    for lo, hi in [(0x2000, 0x206F), (0x2100, 0x218F), (0x2190, 0x21FF), (0x2460, 0x24FF),
                   (0x25A0, 0x25FF), (0x3000, 0x30FF), (0xFF00, 0xFFEF)]:
        chars.update(chr(c) for c in range(lo, hi + 1))
    for folder in ["content", "locales"]:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".md", ".ftl", ".toml"):
                chars.update(path.read_text(encoding="utf-8"))
    return chars


def main():
    base = common()
    sets = {"jp": base | national_set("euc_jp"), "sc": base | national_set("gb2312")}
    for collection, index, region, name in FACES:
        font = TTCollection(str(NOTO / collection)).fonts[index]
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in sets[region] if ord(c) > 0x1F])
        subsetter.subset(font)
        font.save(str(OUT / name))
        print(name, (OUT / name).stat().st_size, "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
