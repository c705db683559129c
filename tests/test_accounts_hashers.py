"""Passwords: Argon2id with OWASP's work factors first; a PBKDF2 hash of before still signs in, once."""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse

from newsroom import settings as project_settings
from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def project_hashers(settings):
    """The project's hashers (the test settings use MD5 for speed)."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def log_in(client, user):
    return client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD})


def test_a_new_password_is_hashed_with_argon2id_at_owasp_work_factors(project_hashers):
    encoded = make_password(PASSWORD)

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_hash_of_before_signs_in_and_is_rehashed_with_argon2(client, project_hashers):
    editor = EditorFactory()
    editor.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    editor.save()

    response = log_in(client, editor)

    assert response.status_code == 302
    editor.refresh_from_db()
    assert identify_hasher(editor.password).algorithm == "argon2"
    client.logout()
    assert log_in(client, editor).status_code == 302


def test_a_wrong_password_against_a_pbkdf2_hash_is_refused_and_keeps_the_hash(client, project_hashers):
    editor = EditorFactory()
    editor.password = old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    editor.save()

    response = client.post(reverse("admin:login"), {"username": editor.username, "password": "wrong"})

    assert response.status_code == 200
    editor.refresh_from_db()
    assert editor.password == old
