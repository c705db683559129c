"""
Placeholder lead photos for the demo stories, drawn with Pillow.

Each picture is a scene in its section's colours (a skyline for Politics, a harbour for Economy,
a stadium for Sports…), composed per story: its own light (dawn, day, dusk, night), colour
cast, framing and mirror image, then treated like a photograph (soft focus, a glow of light,
a vignette and film grain). No text is drawn on it: the page shows the credit and caption.
Everything random is seeded by the article's slug: the same story always gets the same bytes.
"""

import colorsys
import io
import random
from dataclasses import dataclass, replace

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

SIZE = WIDTH, HEIGHT = (1600, 900)
HORIZON = 620
JPEG_QUALITY = 82


@dataclass(frozen=True)
class Palette:
    sky_top: tuple
    sky_bottom: tuple
    far: tuple
    near: tuple
    accent: tuple


PALETTES = {
    "politics": Palette((24, 44, 92), (232, 160, 120), (70, 74, 110), (34, 36, 58), (255, 214, 140)),
    "economy": Palette((30, 86, 140), (180, 215, 235), (70, 100, 125), (30, 48, 66), (236, 112, 52)),
    "society": Palette((92, 150, 206), (244, 226, 190), (120, 150, 110), (60, 84, 58), (250, 200, 90)),
    "north-korea": Palette((70, 86, 104), (200, 206, 210), (104, 118, 124), (52, 62, 66), (214, 70, 60)),
    "culture": Palette((26, 12, 40), (96, 36, 84), (60, 24, 60), (20, 8, 24), (255, 226, 150)),
    "sports": Palette((12, 30, 70), (70, 120, 180), (40, 54, 80), (34, 120, 60), (250, 250, 220)),
    "world": Palette((20, 70, 130), (250, 190, 120), (40, 90, 120), (18, 52, 84), (255, 236, 180)),
}
DEFAULT_PALETTE = PALETTES["society"]
# Scenes under a roof: no sky, so no clouds.
INDOOR_SECTIONS = {"culture"}


# The light a story's picture was "taken" in: (brightness, warmth, saturation) of the scene.
LIGHTS = {
    "day": (1.05, 0.0, 1.05),
    "golden hour": (1.0, 0.12, 1.15),
    "dusk": (0.78, 0.06, 0.95),
    "overcast": (0.92, -0.04, 0.7),
    "night": (0.55, -0.08, 0.85),
}


def render_photo(*, slug, section_slug):
    """Return the JPEG bytes of a 1600x900 placeholder photo for one story."""
    rng = random.Random(slug)
    brightness, warmth, saturation = LIGHTS[rng.choice(sorted(LIGHTS))]
    palette = _varied(PALETTES.get(section_slug, DEFAULT_PALETTE), rng, brightness=brightness, warmth=warmth)
    image = _gradient(palette.sky_top, palette.sky_bottom)
    if section_slug not in INDOOR_SECTIONS:
        image = _clouds(image, rng, palette)
    draw = ImageDraw.Draw(image)
    SCENES.get(section_slug, _town)(draw, rng, palette)
    image = _as_photograph(_framed(image, rng), rng, palette, saturation=saturation)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _varied(palette, rng, *, brightness, warmth):
    """The section's palette turned a little in hue and lit by the story's light."""
    hue_turn = rng.uniform(-0.05, 0.05)

    def vary(color):
        hue, lightness, saturation = colorsys.rgb_to_hls(*(channel / 255 for channel in color))
        red, green, blue = colorsys.hls_to_rgb(
            (hue + hue_turn) % 1, min(1, lightness * brightness), saturation
        )
        return (
            round(255 * min(1, red * (1 + warmth))),
            round(255 * green),
            round(255 * min(1, blue * (1 - warmth))),
        )

    return replace(palette, **{name: vary(getattr(palette, name)) for name in palette.__dataclass_fields__})


def _clouds(sky, rng, palette):
    """
    Soft clouds, wider than tall: a few dozen noise pixels blown up smooth (blurred while still
    small, which costs nothing), their brighter parts in a pale sky colour, thinning to the horizon.
    """
    noise = _noise(rng, (14, 6)).resize((224, 96), Image.Resampling.BICUBIC)
    noise = noise.filter(ImageFilter.GaussianBlur(5)).resize(SIZE, Image.Resampling.BICUBIC)
    threshold = rng.randint(110, 150)
    fade = Image.linear_gradient("L").resize(SIZE).point(lambda v: 255 - v)
    mask = ImageChops.multiply(noise.point(lambda v: min(170, max(0, v - threshold) * 4)), fade)
    cloud = tuple(min(255, round(channel * 0.4 + 150)) for channel in palette.sky_bottom)
    sky.paste(cloud, (0, 0, *SIZE), mask)
    return sky


def _framed(image, rng):
    """Another framing of the scene: mirrored or not, and cropped in on a part of it."""
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    zoom = rng.uniform(0.72, 1.0)
    width, height = round(WIDTH * zoom), round(HEIGHT * zoom)
    left, top = rng.randint(0, WIDTH - width), rng.randint(0, HEIGHT - height)
    return image.crop((left, top, left + width, top + height)).resize(SIZE, Image.Resampling.LANCZOS)


def _as_photograph(image, rng, palette, *, saturation):
    """Soft focus, a glow where the light comes from, a vignette and film grain."""
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 2.2)))
    # radial_gradient is 0 at its centre and 128 at the middle of its edges: the glow fades to
    # nothing there, so the square it is pasted with leaves no edge.
    glow = Image.radial_gradient("L").point(lambda v: max(0, 128 - v) * 0.9).resize((WIDTH, WIDTH))
    light = Image.new("RGB", SIZE)
    position = (rng.randint(-WIDTH // 2, WIDTH // 2), rng.randint(-WIDTH // 2, 0))
    light.paste(palette.accent, (*position, position[0] + WIDTH, position[1] + WIDTH), glow)
    image = ImageChops.screen(image, light)
    vignette = Image.radial_gradient("L").resize(SIZE).point(lambda v: max(0, v - 90) * 0.9)
    image = Image.composite(Image.new("RGB", SIZE), image, vignette)
    image = ImageEnhance.Color(image).enhance(saturation)
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(1.0, 1.15))
    strength = rng.randint(3, 5)  # of 8: how far the grain strays from neutral grey
    grain = _noise(rng, SIZE).point(lambda v: 128 + (v - 128) * strength // 8).convert("RGB")
    return Image.blend(image, ImageChops.overlay(image, grain), 0.5)


def _noise(rng, size):
    """
    Uniform grey noise drawn from ``rng`` (Pillow's own effect_noise cannot be seeded, and the
    same story must get the same bytes).
    """
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _gradient(top, bottom):
    """A vertical sky gradient: one column of colours, stretched across the width."""
    column = Image.new("RGB", (1, HEIGHT))
    column.putdata(
        [
            tuple(round(t + (b - t) * y / (HEIGHT - 1)) for t, b in zip(top, bottom, strict=True))
            for y in range(HEIGHT)
        ]
    )
    return column.resize(SIZE, Image.Resampling.NEAREST)


def _shade(color, factor):
    return tuple(max(0, min(255, round(channel * factor))) for channel in color)


def _ridge(draw, rng, *, base, height, color, roughness=12):
    """A hill or mountain line across the whole width, filled down to the bottom edge."""
    points = [(0, HEIGHT)]
    step = WIDTH // roughness
    for x in range(0, WIDTH + step, step):
        points.append((x, base - rng.randint(height // 3, height)))
    points.append((WIDTH, HEIGHT))
    draw.polygon(points, fill=color)


def _sun(draw, rng, color, *, y_range=(120, 320), radius=70):
    x, y = rng.randint(200, WIDTH - 200), rng.randint(*y_range)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


def _buildings(draw, rng, *, base, color, window, count, max_height, lit=0.35):
    x = rng.randint(-40, 0)
    for _ in range(count):
        width = rng.randint(60, 140)
        top = base - rng.randint(max_height // 3, max_height)
        draw.rectangle((x, top, x + width, base), fill=color)
        for wy in range(top + 14, base - 20, 26):
            for wx in range(x + 10, x + width - 14, 22):
                if rng.random() < lit:
                    draw.rectangle((wx, wy, wx + 9, wy + 12), fill=window)
        x += width + rng.randint(4, 30)
        if x > WIDTH:
            break


def _politics(draw, rng, palette):
    _sun(draw, rng, _shade(palette.accent, 1.0), y_range=(160, 300))
    _buildings(draw, rng, base=HORIZON, color=palette.far, window=palette.accent, count=24, max_height=330)
    # The assembly hall: a wide colonnaded block under a dome, in the middle of the city.
    cx = WIDTH // 2 + rng.randint(-200, 200)
    draw.rectangle((cx - 260, HORIZON - 170, cx + 260, HORIZON), fill=palette.near)
    draw.rectangle((cx - 290, HORIZON - 190, cx + 290, HORIZON - 170), fill=palette.near)
    for column in range(cx - 230, cx + 231, 46):
        draw.rectangle((column, HORIZON - 160, column + 14, HORIZON - 10), fill=_shade(palette.near, 1.6))
    draw.rectangle((cx - 110, HORIZON - 240, cx + 110, HORIZON - 190), fill=palette.near)
    draw.pieslice((cx - 120, HORIZON - 350, cx + 120, HORIZON - 130), 180, 360, fill=palette.near)
    draw.rectangle((cx - 4, HORIZON - 400, cx + 4, HORIZON - 350), fill=palette.near)
    draw.rectangle((0, HORIZON, WIDTH, HEIGHT), fill=_shade(palette.near, 0.8))


def _economy(draw, rng, palette):
    _ridge(draw, rng, base=HORIZON - 40, height=120, color=palette.far)
    draw.rectangle((0, HORIZON, WIDTH, HEIGHT), fill=_shade(palette.sky_top, 0.7))
    for y in range(HORIZON + 12, HEIGHT, 18):  # ripples on the water
        x = rng.randint(0, WIDTH)
        draw.line((x, y, x + rng.randint(40, 160), y), fill=_shade(palette.sky_bottom, 0.8), width=2)
    quay = HORIZON + 10
    colours = [palette.accent, (52, 110, 160), (200, 60, 50), (90, 150, 90), (230, 190, 60)]
    for stack in range(rng.randint(6, 9)):
        x = 80 + stack * 170 + rng.randint(-20, 20)
        for level in range(rng.randint(2, 5)):
            top = quay - (level + 1) * 34
            draw.rectangle((x, top, x + 120, top + 32), fill=rng.choice(colours), outline=palette.near)
    for crane in range(rng.randint(2, 4)):  # gantry cranes over the quay
        x = 200 + crane * 420 + rng.randint(-60, 60)
        draw.rectangle((x, quay - 330, x + 16, quay), fill=palette.near)
        draw.rectangle((x + 110, quay - 330, x + 126, quay), fill=palette.near)
        draw.rectangle((x - 60, quay - 350, x + 260, quay - 330), fill=palette.near)
        draw.line((x + 200, quay - 330, x + 200, quay - 180), fill=palette.near, width=4)
    draw.rectangle((0, quay, WIDTH, quay + 24), fill=palette.near)


def _town(draw, rng, palette):
    _sun(draw, rng, palette.accent)
    _ridge(draw, rng, base=HORIZON - 30, height=140, color=palette.far, roughness=8)
    draw.rectangle((0, HORIZON, WIDTH, HEIGHT), fill=palette.near)
    x = rng.randint(-30, 20)
    while x < WIDTH:
        width, height = rng.randint(120, 200), rng.randint(90, 150)
        wall = rng.choice([(226, 214, 190), (204, 170, 140), (180, 190, 200), (236, 230, 220)])
        draw.rectangle((x, HORIZON - height, x + width, HORIZON + 20), fill=wall)
        draw.polygon(
            [
                (x - 12, HORIZON - height),
                (x + width // 2, HORIZON - height - 70),
                (x + width + 12, HORIZON - height),
            ],
            fill=_shade(palette.accent, 0.55),
        )
        draw.rectangle(
            (x + width // 2 - 16, HORIZON - 40, x + width // 2 + 16, HORIZON + 20), fill=(90, 60, 40)
        )
        x += width + rng.randint(30, 90)
        if rng.random() < 0.6:  # a tree between houses
            draw.rectangle((x - 22, HORIZON - 60, x - 14, HORIZON + 20), fill=(80, 56, 36))
            draw.ellipse((x - 58, HORIZON - 150, x + 22, HORIZON - 50), fill=_shade(palette.far, 0.8))
    draw.rectangle((0, HORIZON + 60, WIDTH, HORIZON + 130), fill=(96, 96, 100))
    for x in range(20, WIDTH, 120):
        draw.rectangle((x, HORIZON + 92, x + 60, HORIZON + 98), fill=(230, 230, 220))


def _north_korea(draw, rng, palette):
    for layer, colour in enumerate([_shade(palette.far, 1.25), palette.far, palette.near]):
        _ridge(
            draw, rng, base=HORIZON - 120 + layer * 90, height=260 - layer * 60, color=colour, roughness=16
        )
    draw.polygon(  # a river winding towards the viewer
        [(700, HORIZON + 60), (780, HORIZON + 60), (1100, HEIGHT), (420, HEIGHT)],
        fill=_shade(palette.sky_bottom, 0.85),
    )
    for x in range(0, WIDTH, 70):  # a fence line in the foreground
        draw.rectangle((x, HEIGHT - 260, x + 8, HEIGHT), fill=(40, 40, 40))
    for y in range(HEIGHT - 250, HEIGHT - 40, 40):
        draw.line((0, y, WIDTH, y), fill=(60, 60, 60), width=3)


def _culture(draw, rng, palette):
    stage = HORIZON - 40
    for _ in range(3):  # spotlight cones from the rig
        x = rng.randint(200, WIDTH - 200)
        draw.polygon(
            [(x - 20, 0), (x + 20, 0), (x + 260, stage), (x - 260, stage)],
            fill=_shade(palette.sky_bottom, 1.5),
        )
        draw.ellipse((x - 260, stage - 30, x + 260, stage + 30), fill=_shade(palette.accent, 0.9))
    draw.rectangle((0, 0, 180, stage), fill=(120, 20, 40))  # curtains
    draw.rectangle((WIDTH - 180, 0, WIDTH, stage), fill=(120, 20, 40))
    draw.rectangle((0, 0, WIDTH, 60), fill=(100, 16, 34))
    draw.rectangle((0, stage, WIDTH, HEIGHT), fill=(70, 40, 30))
    for row in range(3):  # the audience, in silhouette
        y = HEIGHT - 40 - row * 60
        for x in range(-20 + row * 25, WIDTH, 70):
            draw.ellipse((x, y - 60, x + 46, y - 14), fill=palette.near)
            draw.rectangle((x - 8, y - 20, x + 54, y + 60), fill=palette.near)


def _sports(draw, rng, palette):
    draw.rectangle((0, HORIZON - 120, WIDTH, HORIZON), fill=palette.far)  # the stands
    for _ in range(900):
        x, y = rng.randint(0, WIDTH), rng.randint(HORIZON - 115, HORIZON - 5)
        draw.point((x, y), fill=rng.choice([(220, 60, 60), (240, 240, 240), (60, 90, 200), (240, 200, 60)]))
    for x in (140, WIDTH - 160):  # floodlight towers
        draw.rectangle((x, 120, x + 14, HORIZON - 120), fill=(30, 34, 44))
        draw.rectangle((x - 50, 80, x + 64, 130), fill=(60, 64, 74))
        for lx in range(x - 44, x + 60, 22):
            draw.ellipse((lx, 88, lx + 16, 104), fill=palette.accent)
            draw.ellipse((lx, 108, lx + 16, 124), fill=palette.accent)
    draw.rectangle((0, HORIZON, WIDTH, HEIGHT), fill=palette.near)
    for stripe in range(0, WIDTH, 200):
        draw.rectangle((stripe, HORIZON, stripe + 100, HEIGHT), fill=_shade(palette.near, 1.12))
    draw.line((WIDTH // 2, HORIZON, WIDTH // 2, HEIGHT), fill=(240, 240, 240), width=5)
    draw.ellipse(
        (WIDTH // 2 - 220, HORIZON + 60, WIDTH // 2 + 220, HEIGHT + 40), outline=(240, 240, 240), width=5
    )


def _world(draw, rng, palette):
    _sun(draw, rng, palette.accent, y_range=(HORIZON - 160, HORIZON - 80), radius=90)
    for _ in range(rng.randint(2, 4)):  # islands on the horizon
        x, width = rng.randint(0, WIDTH - 200), rng.randint(160, 420)
        draw.ellipse((x, HORIZON - rng.randint(30, 80), x + width, HORIZON + 40), fill=palette.far)
    draw.rectangle((0, HORIZON, WIDTH, HEIGHT), fill=palette.near)
    for y in range(HORIZON + 8, HEIGHT, 14):
        x = rng.randint(0, WIDTH)
        draw.line((x, y, x + rng.randint(60, 240), y), fill=_shade(palette.accent, 0.7), width=2)
    x = rng.randint(200, WIDTH - 400)  # a ship
    draw.polygon(
        [(x, HORIZON - 10), (x + 260, HORIZON - 10), (x + 230, HORIZON + 16), (x + 20, HORIZON + 16)],
        fill=(30, 30, 36),
    )
    draw.rectangle((x + 60, HORIZON - 50, x + 180, HORIZON - 10), fill=(40, 40, 48))
    draw.rectangle((x + 130, HORIZON - 80, x + 150, HORIZON - 50), fill=(40, 40, 48))


SCENES = {
    "politics": _politics,
    "economy": _economy,
    "society": _town,
    "north-korea": _north_korea,
    "culture": _culture,
    "sports": _sports,
    "world": _world,
}
