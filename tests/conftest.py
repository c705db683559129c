import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads made by a test go to its own temporary folder, never to media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
