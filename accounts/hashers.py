"""
Password hashing for staff accounts: Argon2id with OWASP's parameters (settings.PASSWORD_HASHERS).

Django's Argon2PasswordHasher as documented, subclassed only to set its work factors, as Django's
password documentation shows. Django's own are 100 MiB over 8 lanes: on a two-core server that
is as slow as Django 6.1's PBKDF2 (0.4 s or more of CPU a login, the "login takes 1–5 s" of issue
16 when a few staff sign in at once, each holding 100 MiB). OWASP's Password Storage Cheat Sheet
names 19 MiB, 2 passes, 1 lane as its first Argon2id configuration: still memory-hard (what makes
guessing on GPUs expensive, which PBKDF2 is not), at a few tens of milliseconds.

The algorithm name stays "argon2", and every hash records its own parameters: a hash made with
other parameters (Django's, or later ones) still checks, and is rehashed at its next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class NewsroomArgon2PasswordHasher(Argon2PasswordHasher):
    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
