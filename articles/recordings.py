"""The audio library's one write outside the admin form: a recording made from a file (the demo, scripts)."""

from django.core.files.base import ContentFile

from articles.models import Audio


def audio_create(*, content, name, title, credit, user=None):
    """
    An ``Audio`` of ``content`` (bytes), checked like an upload (``Audio.clean``: a refusal raises
    ``ValidationError``) and saved in the media storage under a name of its own.
    """
    recording = Audio(title=title, credit=credit, uploaded_by=user)
    recording.recording = ContentFile(content, name=name)
    recording.full_clean()
    recording.save()
    return recording
