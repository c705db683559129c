"""
Hypothesis strategies for hostile input, shared by the fuzzing tests (test_fuzz_urls.py,
test_fuzz_admin.py): text no honest reader or editor sends, and the settings those tests run with.
"""

import os
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Examples per fuzzed target (about 70 targets): this keeps the fuzzing tests near a minute on a
# small machine; NEWSROOM_FUZZ_EXAMPLES raises it for a longer hunt.
EXAMPLES = int(os.environ.get("NEWSROOM_FUZZ_EXAMPLES", "12"))

FUZZ = settings(
    max_examples=EXAMPLES,
    # A request's time varies with the machine (and PostgreSQL's first query): no deadline.
    deadline=None,
    # The database, client and settings fixtures are function-scoped, so shared by every example.
    # That is safe here: the reader requests fuzzed write nothing, and the admin tests check after
    # each example that nothing was saved.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    # No example database in the working tree; a failure prints the blob that reproduces it.
    database=None,
    print_blob=True,
)

TEN_THOUSAND = 10_001

# Values that broke, or that break code like ours: control characters, a NUL, bidirectional and
# zero-width marks, emoji, lone surrogates, dots, percent forms, numbers out of every range.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\n\r",
    "\u202eevil\u202c",
    "\u200b\u200d\ufeff",
    "\ud800",
    "x\udcff",
    "😀" * 3,
    "👩‍👩‍👧‍👦",
    "ｆｕｌｌ",
    "İı",
    "ß" * 40,
    ".",
    "..",
    "../..",
    "%",
    "%00",
    "%zz",
    "%2e%2e",
    "%ff%fe",
    "-1",
    "0",
    "00",
    "0000",
    "01",
    "1e400",
    "NaN",
    "inf",
    "9" * 30,
    "-" + "9" * 30,
    "١٢",
    "' OR 1=1 --",
    '"',
    "<script>alert(1)</script>",
    "a" * TEN_THOUSAND,
    "é" * TEN_THOUSAND,
]

surrogates = st.characters(categories=["Cs"])


def any_text(max_size=40):
    """Any text, lone surrogates and control characters included."""
    return st.text(st.one_of(st.characters(), surrogates), max_size=max_size)


def hostile_text(max_size=40):
    """A value from the list of known troublemakers, or any text, or a very long run of one."""
    return st.one_of(
        st.sampled_from(NASTY),
        any_text(max_size),
        st.builds(lambda char, n: char * n, st.characters(), st.integers(1000, 12_000)),
    )


def hostile_number():
    """Numbers as text: in and far out of range, signed, with leading zeros, in other digits."""
    return st.one_of(
        st.integers(-(10**30), 10**30).map(str),
        st.integers(0, 99).map(lambda n: f"{n:04d}"),
        st.sampled_from(["1.5", "1e3", "+1", " 1", "1 ", "0x10", "١", "²"]),
    )


def header_value(value):
    """``value`` as a server hands a header to Django: its UTF-8 bytes read as Latin-1."""
    return value.encode("utf-8", "surrogatepass").decode("latin-1")


def encoded(value, safe=""):
    """``value`` percent-encoded as a browser would, lone surrogates as their (invalid) UTF-8."""
    return quote_from_bytes(value.encode("utf-8", "surrogatepass"), safe=safe)


def query_string(pairs, safe=""):
    """``[(name, value), ...]`` as a query string or form body, whatever characters they hold."""
    return "&".join(f"{encoded(name, safe)}={encoded(value, safe)}" for name, value in pairs)
