from consent.config import ConsentConfig
from consent.state import ConsentState


class CookieConsentMiddleware:
    """Puts the reader's ``ConsentState`` on ``request.cookie_consent``; adds no headers."""

    def __init__(self, get_response):
        self.get_response = get_response
        ConsentConfig.from_settings()  # a misconfigured mode or version stops start-up

    def __call__(self, request):
        request.cookie_consent = ConsentState.from_request(request)
        return self.get_response(request)
