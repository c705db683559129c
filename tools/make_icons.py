"""
Draw the site's icons once; the results are committed (static/icons/, webroot/favicon.ico).

    .venv/bin/python tools/make_icons.py

One drawing, the brand's "N" on its navy with the kicker's red rule, written as the SVG favicon
and rasterised with Pillow for what needs pixels: the ``favicon.ico`` browsers ask for at the
root, the apple-touch icon (square and opaque: iOS rounds it), and the web manifest's icons
(``any`` with rounded corners, ``maskable`` full-bleed with the letter inside the safe circle).
Colours follow static/css/site.css (--brand, --kicker).
"""

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "static" / "icons"
WEBROOT = ROOT / "webroot"

BRAND = "#0d2140"
KICKER = "#b3001b"
WHITE = "#ffffff"
GRID = 512  # the drawing's units; every size is scaled from it
CORNER = 96
LETTER = [(136, 384), (136, 128), (200, 128), (312, 290), (312, 128), (376, 128), (376, 384), (312, 384),
          (200, 222), (200, 384)]  # fmt: skip
RULE = (136, 408, 376, 432)


def svg():
    points = " ".join(f"{x},{y}" for x, y in LETTER)
    x0, y0, x1, y1 = RULE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">'
        f'<rect width="{GRID}" height="{GRID}" rx="{CORNER}" fill="{BRAND}"/>'
        f'<polygon points="{points}" fill="{WHITE}"/>'
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="{KICKER}"/>'
        "</svg>\n"
    )


def png(size, *, rounded):
    """The drawing at ``size`` pixels, drawn four times larger and scaled down for smooth edges."""
    scale = size * 4 / GRID
    big = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    box = (0, 0, size * 4 - 1, size * 4 - 1)
    if rounded:
        draw.rounded_rectangle(box, radius=CORNER * scale, fill=BRAND)
    else:
        draw.rectangle(box, fill=BRAND)
    draw.polygon([(x * scale, y * scale) for x, y in LETTER], fill=WHITE)
    draw.rectangle([v * scale for v in RULE], fill=KICKER)
    image = big.resize((size, size), Image.Resampling.LANCZOS)
    return image if rounded else image.convert("RGB")


def main():
    ICONS.mkdir(parents=True, exist_ok=True)
    WEBROOT.mkdir(exist_ok=True)
    (ICONS / "favicon.svg").write_text(svg())
    png(180, rounded=False).save(ICONS / "apple-touch-icon.png", optimize=True)
    png(192, rounded=True).save(ICONS / "icon-192.png", optimize=True)
    png(512, rounded=True).save(ICONS / "icon-512.png", optimize=True)
    png(512, rounded=False).save(ICONS / "icon-maskable-512.png", optimize=True)
    png(256, rounded=True).save(WEBROOT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
