"""
The demo newsroom's report audio and topics.

The recordings are made here, not downloaded: a few seconds of a speech-like sound (a voiced
buzz whose pitch drifts, shaped into syllables and words with pauses between them), written as
a small WAV file (mono, 8 kHz, 16-bit) with Python's own ``wave`` module, so that no download and
no system package is needed. mutagen reads it like any uploaded recording.
"""

import io
import math
import random
import wave

SAMPLE_RATE = 8000

# The stories that have the audio of their report, and how long each recording lasts (seconds).
AUDIO_STORIES = {
    "assembly-passes-coastal-resilience-bill": 8,
    "port-halden-expansion-cleared": 7,
    "night-bus-network-expands": 5,
    "institute-tracks-north-korean-market-prices": 9,
    "marrow-bay-film-festival-opens": 6,
    "storm-diverts-shipping": 10,
    "harbour-city-fc-lifts-cup": 5,
}

# (name, slug, description, the stories filed under it).
TOPICS = [
    (
        "Port Halden",
        "port-halden",
        "The city's harbour, its council and the businesses that live from the port.",
        [
            "port-halden-council-approves-record-budget",
            "port-halden-expansion-cleared",
            "fishing-cooperative-opens-cold-storage",
            "storm-diverts-shipping",
            "analysis-trade-blocs-and-small-ports",
        ],
    ),
    (
        "Climate and weather",
        "climate-and-weather",
        "Storms, heat and how coastal communities prepare for them.",
        [
            "assembly-passes-coastal-resilience-bill",
            "cooling-centres-open-as-heatwave-lingers",
            "coastal-cities-climate-pledge",
            "storm-diverts-shipping",
        ],
    ),
    (
        "Trade",
        "trade",
        "",
        [
            "exports-rise-third-straight-month",
            "port-halden-expansion-cleared",
            "valdoria-estmark-resume-river-talks",
            "global-rice-stocks-report",
            "analysis-trade-blocs-and-small-ports",
        ],
    ),
    (
        "Elections",
        "elections",
        "",
        ["parties-agree-rules-for-televised-debates", "election-commission-tests-queue-time-app"],
    ),
    (
        "Inter-Korean affairs",
        "inter-korean-affairs",
        "",
        [
            "institute-tracks-north-korean-market-prices",
            "survey-counts-record-cranes-near-border",
            "video-letter-archive-opens",
            "study-on-shortwave-listening",
        ],
    ),
]


def render_report_audio(*, slug, seconds):
    """A WAV file of ``seconds`` of speech-like sound, the same every time for the same ``slug``."""
    rng = random.Random(slug)
    pitch = rng.uniform(95, 210)  # a voice's fundamental, Hz
    samples = bytearray()
    phase = 0.0
    total = int(seconds * SAMPLE_RATE)
    position = 0
    while position < total:
        # A word: two to four syllables, then a pause.
        for _ in range(rng.randint(2, 4)):
            length = int(rng.uniform(0.12, 0.28) * SAMPLE_RATE)
            vowel = rng.uniform(0.3, 1.0)  # how bright the syllable sounds
            for n in range(min(length, total - position)):
                envelope = math.sin(math.pi * n / length)
                frequency = pitch * (1 + 0.08 * math.sin(2 * math.pi * position / SAMPLE_RATE * 0.7))
                phase += 2 * math.pi * frequency / SAMPLE_RATE
                voice = (
                    math.sin(phase) + 0.5 * vowel * math.sin(2 * phase) + 0.25 * vowel * math.sin(3 * phase)
                )
                samples += int(9000 * envelope * voice / 1.75).to_bytes(2, "little", signed=True)
                position += 1
        pause = min(int(rng.uniform(0.08, 0.35) * SAMPLE_RATE), total - position)
        samples += bytes(2 * pause)
        position += pause
    output = io.BytesIO()
    with wave.open(output, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(SAMPLE_RATE)
        recording.writeframes(bytes(samples))
    return output.getvalue()
