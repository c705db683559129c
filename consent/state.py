"""One reader's answer, as their consent cookie tells it, and writing a new one."""

import re
from dataclasses import dataclass

from consent.config import (
    ACCEPTED,
    CHOICES,
    CLOSED,
    IMPLIED,
    IMPLIED_CONSENT,
    ONE_YEAR,
    OPT_IN,
    REJECTED,
    SEEN,
    ConsentConfig,
)

_COOKIE_VALUE = re.compile(r"v(?P<version>\d{1,9}):(?P<choice>[a-z]+)")


@dataclass(frozen=True)
class ConsentState:
    """
    One reader's answer. ``choice`` is ``None`` when there is no cookie, a malformed one, or one
    written for another policy version (``version`` then says which one it carried).
    """

    mode: str
    policy_version: int
    version: int | None = None
    choice: str | None = None

    @classmethod
    def from_request(cls, request, config=None):
        config = config or ConsentConfig.from_settings()
        state = cls(mode=config.mode, policy_version=config.policy_version)
        match = _COOKIE_VALUE.fullmatch(request.COOKIES.get(config.cookie_name, ""))
        if not match:
            return state
        version, choice = int(match["version"]), match["choice"]
        if version != config.policy_version or choice not in CHOICES:
            return cls(mode=config.mode, policy_version=config.policy_version, version=version)
        return cls(mode=config.mode, policy_version=config.policy_version, version=version, choice=choice)

    @property
    def is_given(self):
        """May non-essential cookies and scripts be used for this reader?"""
        if self.mode == OPT_IN:
            return self.choice == ACCEPTED
        return self.choice in (IMPLIED_CONSENT, CLOSED, ACCEPTED)

    @property
    def notice_closed(self):
        """Has the reader dealt with the notice, so that it is no longer shown?"""
        if self.mode == OPT_IN:
            return self.choice in (ACCEPTED, REJECTED)
        return self.choice in (CLOSED, ACCEPTED, REJECTED)

    def after_page_view(self):
        """The choice to record when this reader views a page, or ``None`` to leave it alone."""
        if self.mode != IMPLIED:
            return None  # opt-in: nothing is stored before the reader answers
        if self.choice is None:
            return SEEN
        if self.choice == SEEN:
            return IMPLIED_CONSENT
        return None


def set_consent_cookie(response, request, choice, config=None):
    """Write ``choice`` for the current policy version; the ``seen`` marker lasts a session."""
    config = config or ConsentConfig.from_settings()
    response.set_cookie(
        config.cookie_name,
        f"v{config.policy_version}:{choice}",
        max_age=None if choice == SEEN else ONE_YEAR,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response
