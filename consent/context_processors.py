from consent.config import ConsentConfig
from consent.state import ConsentState


def consent(request):
    """
    ``cookie_consent_mode`` and ``cookie_consent_scripts`` are the same for every reader;
    ``cookie_consent`` is per reader and must not change a cached page (see the app's docstring).
    """
    config = ConsentConfig.from_settings()
    state = getattr(request, "cookie_consent", None) or ConsentState.from_request(request, config)
    return {
        "cookie_consent": state,
        "cookie_consent_mode": config.mode,
        "cookie_consent_scripts": bool(config.analytics_snippet),
    }
