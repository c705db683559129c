"""
The broadcast audio of a story's report: what an upload must be, judged by its content.

mutagen reads the file's own header (never its name or the browser's Content-Type) and tells
its format and duration; we accept the four formats every browser's ``<audio>`` and every
podcast app plays (MP3, M4A, Ogg Vorbis or Opus, WAV). Every refusal has its own message,
written for the person uploading: empty, over the size limit, not audio at all, audio in a
format we do not serve, damaged, or longer than the duration limit. The messages live here.

Nothing is transcoded: the file is served as uploaded, from the media storage, under a name
of its own (``upload_name``), so there is no background work to hand to a task.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from mutagen import File as read_audio_file
from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from articles.validators import _describe_bytes

# mutagen's reader → (the MIME type readers and feeds are told, the served file's extension).
ACCEPTED_AUDIO = {
    MP3: ("audio/mpeg", "mp3"),
    MP4: ("audio/mp4", "m4a"),
    OggVorbis: ("audio/ogg", "ogg"),
    OggOpus: ("audio/ogg", "ogg"),
    WAVE: ("audio/wav", "wav"),
}
EXTENSIONS = dict(ACCEPTED_AUDIO.values())
ACCEPTED_DESCRIPTION = "an MP3, M4A, Ogg or WAV audio file"
# Formats mutagen recognises that are not sound (a video, a MIDI score): "not audio", not "unsupported".
_NOT_SOUND = {"OggTheora", "SMF"}
# mutagen's class name → the name editors know, for the refusal of a format we do not serve.
_FORMAT_NAMES = {
    "FLAC": "FLAC",
    "OggFLAC": "Ogg FLAC",
    "OggSpeex": "Speex",
    "AIFF": "AIFF",
    "ASF": "Windows Media (WMA)",
    "AAC": "raw AAC (ADTS)",
    "AC3": "AC-3",
    "WavPack": "WavPack",
    "MonkeysAudio": "Monkey's Audio (APE)",
    "TrueAudio": "TrueAudio",
    "Musepack": "Musepack",
    "OptimFROG": "OptimFROG",
    "TAK": "TAK",
    "DSF": "DSD (DSF)",
    "DSDIFF": "DSD (DSDIFF)",
}


@dataclass(frozen=True)
class AudioFacts:
    """What an accepted recording's header says."""

    mime_type: str
    extension: str
    duration: float  # seconds
    size: int  # bytes


def max_audio_bytes():
    return settings.NEWSROOM_AUDIO_MAX_BYTES


def max_audio_seconds():
    return settings.NEWSROOM_AUDIO_MAX_SECONDS


def describe_duration(seconds):
    """``seconds`` as a reader reads a clock: "0:42", "12:05", "1:02:09"."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def iso_duration(seconds):
    """``seconds`` in ISO 8601 (schema.org's Duration): "PT1M42S"."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = "".join(f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if value)
    return f"PT{parts or '0S'}"


def empty_error():
    return ValidationError("The file is empty (0 bytes): choose the recording again.", code="empty")


def too_large_error():
    """The refusal of a recording over ``NEWSROOM_AUDIO_MAX_BYTES`` (while it streams in, too)."""
    return ValidationError(
        f"This recording is larger than the {_describe_bytes(max_audio_bytes())} limit. "
        "Export it at a lower bit rate (an MP3 at 128 kbit/s is plenty for speech) and upload that.",
        code="too_large",
    )


def too_long_error(duration):
    return ValidationError(
        f"This recording lasts {describe_duration(duration)}, longer than the "
        f"{describe_duration(max_audio_seconds())} limit. Upload the report alone.",
        code="too_long",
    )


def not_audio_error():
    return ValidationError(f"This file is not audio. Upload {ACCEPTED_DESCRIPTION}.", code="not_audio")


def unsupported_error(name):
    return ValidationError(
        f"{name} audio is not accepted here: not every browser and podcast app plays it. "
        f"Export the recording as {ACCEPTED_DESCRIPTION}.",
        code="unsupported_format",
    )


def corrupt_error():
    return ValidationError(
        "This recording cannot be read (it may be damaged or cut off, or it holds no sound). "
        f"Upload a complete copy of {ACCEPTED_DESCRIPTION}.",
        code="corrupt",
    )


class _Nameless:
    """
    The upload as mutagen sees it: its bytes without its name. mutagen would otherwise count a
    name ending in ".mp3" as evidence of an MP3; we judge by content alone.
    """

    def __init__(self, file):
        self._file = file

    def read(self, size=-1):
        return self._file.read(size)

    def seek(self, offset, whence=0):
        return self._file.seek(offset, whence)

    def tell(self):
        return self._file.tell()


def inspect_audio(file):
    """
    The ``AudioFacts`` of an uploaded recording, or a ``ValidationError`` saying why it is refused
    (see the module). The size is checked before anything reads the content.
    """
    size = file.size
    if not size:
        raise empty_error()
    if size > max_audio_bytes():
        raise too_large_error()
    file.seek(0)
    try:
        recording = read_audio_file(_Nameless(file))
    except MutagenError:  # its header says a format, its body does not follow it
        raise corrupt_error() from None
    except Exception:  # noqa: BLE001 - a parser fed hostile bytes may raise anything
        raise corrupt_error() from None
    finally:
        file.seek(0)
    if recording is None or type(recording).__name__ in _NOT_SOUND:
        raise not_audio_error()
    accepted = ACCEPTED_AUDIO.get(type(recording))
    if accepted is None:
        name = type(recording).__name__
        raise unsupported_error(_FORMAT_NAMES.get(name, name))
    duration = getattr(recording.info, "length", 0) or 0
    if duration <= 0:
        raise corrupt_error()
    if duration > max_audio_seconds():
        raise too_long_error(duration)
    mime_type, extension = accepted
    return AudioFacts(mime_type=mime_type, extension=extension, duration=duration, size=size)


def upload_name(recording, filename):
    """
    ``audio/<year>/<month>/<uuid>.<ext>``: a name of its own for every upload, so another
    recording is another address and the media storage's year-long cache headers are safe.
    The extension is the format found in the content (``inspect_audio``), not the uploaded name's.
    """
    extension = EXTENSIONS.get(recording.mime_type, "bin")
    return timezone.now().strftime(f"audio/%Y/%m/{uuid.uuid4().hex}.{extension}")
