"""
The report's audio: uploads judged by content (every refusal its own message), the player on the
story page, the section's podcast feed read by feedparser, and the story's JSON-LD.
"""

import io
import json
import struct
import wave

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import html as lxml_html

from articles import audio, recordings
from articles.demo.audio import render_report_audio
from articles.models import Audio
from tests.factories import EditorFactory, PhotoFactory, PublishedArticleFactory, SectionFactory, image_bytes

pytestmark = pytest.mark.django_db


def wav_bytes(seconds=1.0, rate=8000):
    output = io.BytesIO()
    with wave.open(output, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(rate)
        recording.writeframes(bytes(2 * int(seconds * rate)))
    return output.getvalue()


def mp3_bytes(frames=40):
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz) of silence, without an ID3 tag."""
    header = bytes.fromhex("fffb9000")  # no padding: 417-byte frames
    return (header + bytes(417 - 4)) * frames


def flac_bytes(seconds=2, rate=16000):
    """A FLAC stream's header (its STREAMINFO): real FLAC as far as any reader of formats can tell."""
    samples = seconds * rate
    fields = (rate << 44) | (0 << 41) | (15 << 36) | samples  # rate, mono, 16 bits, sample count
    streaminfo = struct.pack(">HH", 4096, 4096) + bytes(6) + fields.to_bytes(8, "big") + bytes(16)
    return b"fLaC" + bytes([0x80]) + len(streaminfo).to_bytes(3, "big") + streaminfo


def inspect(data, name="report.mp3"):
    return audio.inspect_audio(ContentFile(data, name=name))


def refusal(data, name="report.mp3"):
    with pytest.raises(ValidationError) as caught:
        inspect(data, name)
    return caught.value.code, caught.value.messages[0]


# --- judged by content ----------------------------------------------------------------------


def test_a_wav_is_accepted_whatever_its_name_with_its_duration():
    facts = inspect(wav_bytes(seconds=3), name="report.mp3")
    assert (facts.mime_type, facts.extension, round(facts.duration)) == ("audio/wav", "wav", 3)
    assert facts.size == len(wav_bytes(seconds=3))


def test_an_mp3_without_tags_is_accepted_under_another_name():
    facts = inspect(mp3_bytes(), name="report.wav")
    assert (facts.mime_type, facts.extension) == ("audio/mpeg", "mp3")
    assert 0.9 < facts.duration < 1.2  # 40 frames of 1152 samples at 44.1 kHz


def test_an_empty_file_is_refused():
    assert refusal(b"") == ("empty", "The file is empty (0 bytes): choose the recording again.")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.NEWSROOM_AUDIO_MAX_BYTES = 1000
    code, message = refusal(b"not even read" * 100)
    assert code == "too_large"
    assert "larger than the 1000 bytes limit" in message


def test_a_recording_over_the_duration_limit_is_refused(settings):
    settings.NEWSROOM_AUDIO_MAX_SECONDS = 2
    code, message = refusal(wav_bytes(seconds=3))
    assert code == "too_long"
    assert "lasts 0:03, longer than the 0:02 limit" in message


@pytest.mark.parametrize(
    "data",
    [image_bytes("PNG"), b"%PDF-1.7\n" + bytes(200), b"Just some text, named like a recording.\n" * 5],
    ids=["png", "pdf", "text"],
)
def test_a_file_that_is_not_audio_is_refused(data):
    assert refusal(data, name="report.mp3") == (
        "not_audio",
        "This file is not audio. Upload an MP3, M4A, Ogg or WAV audio file.",
    )


def test_audio_in_a_format_we_do_not_serve_is_refused_by_name():
    code, message = refusal(flac_bytes(), name="report.mp3")
    assert code == "unsupported_format"
    assert message.startswith("FLAC audio is not accepted here")


@pytest.mark.parametrize(
    "data",
    [wav_bytes()[:30], b"RIFF\x00\x00\x00\x00WAVEfmt ", b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(300)],
    ids=["cut-off-wav", "wav-header-only", "id3-without-sound"],
)
def test_a_damaged_recording_is_refused(data):
    code, message = refusal(data)
    assert code == "corrupt"
    assert message.startswith("This recording cannot be read")


def test_a_recording_is_stored_under_a_name_of_its_own_with_its_facts():
    recording = recordings.audio_create(
        content=wav_bytes(2), name="../evil.mp3", title="Report", credit="NWR"
    )
    assert recording.recording.name.startswith("audio/") and recording.recording.name.endswith(".wav")
    assert (recording.mime_type, round(recording.duration), recording.size) == (
        "audio/wav",
        2,
        len(wav_bytes(2)),
    )


def test_the_demo_recordings_are_real_short_wav_files():
    data = render_report_audio(slug="storm-diverts-shipping", seconds=4)
    facts = inspect(data)
    assert (facts.mime_type, round(facts.duration)) == ("audio/wav", 4)
    assert data == render_report_audio(slug="storm-diverts-shipping", seconds=4)


def test_iso_and_clock_durations():
    assert audio.iso_duration(102.4) == "PT1M42S"
    assert audio.iso_duration(3725) == "PT1H2M5S"
    assert audio.iso_duration(0.2) == "PT0S"
    assert audio.describe_duration(3725) == "1:02:05"


# --- the desk's upload ----------------------------------------------------------------------


def add_recording(client, data, name="report.mp3"):
    client.force_login(EditorFactory())
    upload = SimpleUploadedFile(name, data, content_type="audio/mpeg")
    return client.post(
        "/admin/articles/audio/add/", {"recording": upload, "title": "Report", "credit": "NWR"}
    )


def test_the_admin_saves_an_accepted_upload(client):
    response = add_recording(client, wav_bytes(2))
    assert response.status_code == 302
    assert Audio.objects.get().mime_type == "audio/wav"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),  # Django's own, before ours
        (image_bytes("PNG"), "This file is not audio."),
        (flac_bytes(), "FLAC audio is not accepted here"),
        (wav_bytes()[:30], "This recording cannot be read"),
    ],
)
def test_the_admin_shows_each_refusal_and_saves_nothing(client, data, message):
    response = add_recording(client, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Audio.objects.exists()


def test_an_upload_over_the_limit_is_refused_as_it_streams_in(client, settings):
    settings.NEWSROOM_AUDIO_MAX_BYTES = 20_000
    response = add_recording(client, wav_bytes(seconds=3))
    assert response.status_code == 200
    assert "This recording is larger than the 20 KB limit" in response.content.decode()
    assert not Audio.objects.exists()


def test_the_story_form_offers_audio_and_topics_by_autocomplete(client):
    client.force_login(EditorFactory())
    page = lxml_html.fromstring(client.get("/admin/articles/article/add/").content)
    for name in ("audio", "topics"):
        [select] = page.cssselect(f"select[name={name}]")
        assert "admin-autocomplete" in select.get("class")


# --- readers ------------------------------------------------------------------------------


@pytest.fixture
def story_with_audio():
    recording = recordings.audio_create(
        content=wav_bytes(seconds=102.4), name="r.wav", title="Storm report", credit="NWR Radio"
    )
    section = SectionFactory(name="World", slug="world")
    return PublishedArticleFactory(
        section=section, headline="Storm diverts shipping", audio=recording, lead_photo=PhotoFactory()
    )


def test_the_story_page_has_a_labelled_player_above_the_report(client, story_with_audio):
    page = lxml_html.fromstring(client.get(story_with_audio.get_absolute_url()).content)
    [player] = page.cssselect("audio")
    assert player.get("controls") is not None and player.get("preload") == "none"
    label = page.get_element_by_id(player.get("aria-labelledby"))
    assert " ".join(label.text_content().split()) == "Listen (1:42)"
    assert label.cssselect("time")[0].get("datetime") == "PT1M42S"
    note = page.get_element_by_id(player.get("aria-describedby")).text_content()
    assert "The report below is the transcript of this recording" in note
    [source] = player.cssselect("source")
    assert source.get("type") == "audio/wav" and source.get("src") == story_with_audio.audio.recording.url
    # Above the report: the player comes before the report's text in the story.
    story = page.cssselect("article.story")[0]
    order = [element.get("class") for element in story.iter() if element.get("class")]
    assert order.index("story__audio") < order.index("story__body")


def test_a_story_without_audio_has_no_player(client):
    story = PublishedArticleFactory()
    assert b"<audio" not in client.get(story.get_absolute_url()).content


def test_json_ld_describes_the_audio(client, story_with_audio):
    page = lxml_html.fromstring(client.get(story_with_audio.get_absolute_url()).content)
    blocks = [json.loads(script.text) for script in page.cssselect("script[type='application/ld+json']")]
    [article] = [block for block in blocks if block.get("@type") == "NewsArticle"]
    assert article["audio"] == {
        "@type": "AudioObject",
        "name": "Storm report",
        "contentUrl": "http://testserver" + story_with_audio.audio.recording.url,
        "encodingFormat": "audio/wav",
        "duration": "PT1M42S",
        "contentSize": str(story_with_audio.audio.size),
        "creditText": "NWR Radio",
    }


def test_the_section_podcast_lists_its_stories_with_audio(client, story_with_audio):
    PublishedArticleFactory(section=story_with_audio.section, headline="No recording here")
    section_page = client.get("/world/").content.decode()
    assert 'href="/feeds/world/podcast/"' in section_page

    response = client.get("/feeds/world/podcast/")
    feed = feedparser.parse(response.content)

    assert not feed.bozo, feed.bozo_exception
    assert "itunes" in feed.namespaces
    assert feed.feed.image.href == "http://testserver/static/img/publisher-logo.png"
    assert feed.feed.author == "Newsroom World Radio News"
    [episode] = feed.entries
    assert episode.title == "Storm diverts shipping"
    [enclosure] = episode.enclosures
    assert enclosure.href == "http://testserver" + story_with_audio.audio.recording.url
    assert (enclosure.type, int(enclosure.length)) == ("audio/wav", story_with_audio.audio.size)
    assert episode.itunes_duration == "102"
    assert episode.author == "NWR Radio"
    assert episode.image.href.startswith("http://testserver/")


def test_an_unknown_section_has_no_podcast(client):
    assert client.get("/feeds/nowhere/podcast/").status_code == 404
