#!/usr/bin/env python3
"""Makes assets/fonts/NotoSansSC-Subset.otf, the app's Chinese fallback font.

Source: Noto Sans CJK SC Regular (face 2 of NotoSansCJK-Regular.ttc in Debian's
fonts-noto-cjk 1:20220127, SIL Open Font License 1.1). Kept: every hanzi of GB2312 (its 3,755
level-1 and 3,008 level-2 characters, which hold the 3,500 common characters), CJK symbols and
punctuation, full-width forms, and every character of the app's message tables (src/gui/i18n/,
the tour and the presets' Chinese texts), so a new translation only needs this script re-run.

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb noto
    pip install fonttools
    python3 tools/subset_cjk_font.py noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "fonts" / "NotoSansSC-Subset.otf"
# Files whose Chinese characters must all be in the font.
TABLES = [*sorted((ROOT / "src" / "gui" / "i18n").glob("*.rs")), *sorted((ROOT / "presets").glob("*.ron")), ROOT / "assets" / "tour.ron"]


def gb2312_hanzi():
    """GB2312 rows 16-87: level 1 (16-55) and level 2 (56-87) hanzi."""
    chars = set()
    for row in range(0xB0, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def main():
    source = sys.argv[1]
    chars = gb2312_hanzi()
    chars |= {chr(c) for c in range(0x3000, 0x3040)}  # CJK symbols and punctuation
    chars |= {chr(c) for c in range(0xFF00, 0xFFF0)}  # full-width forms
    for path in TABLES:
        if path.exists():
            chars |= {c for c in path.read_text(encoding="utf-8") if ord(c) >= 0x2E80}
    font = TTCollection(source).fonts[2]
    assert "SC" in font["name"].getDebugName(4), "face 2 is Noto Sans CJK SC"
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT.name}: {len(chars)} characters asked, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
