from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from accounts import twofactor
from accounts.forms import EnrolmentForm


def twofactor_view(request):
    """
    Two-factor authentication for the signed-in user (``admin:twofactor``, behind admin_view).

    Renders ``accounts/twofactor.html``: with ``device`` (the confirmed one) when it is on;
    otherwise the device being enrolled as a QR code (``qr_svg``), its ``secret`` and
    ``config_url`` as text, and ``form`` for the first code, which turns it on.
    """
    device = twofactor.confirmed_device(request.user)
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor authentication",
        "required": twofactor.enrolment_required(request),
    }
    if device is not None:
        return TemplateResponse(request, "accounts/twofactor.html", {**context, "device": device})

    pending = twofactor.pending_device(request.user)
    form = EnrolmentForm(request.POST or None, device=pending)
    if request.method == "POST" and form.is_valid():
        twofactor.confirm(request, pending)
        messages.success(request, "Two-factor authentication is on: from now on, logging in asks for a code.")
        return redirect("admin:index")
    context.update(
        form=form,
        secret=twofactor.secret(pending),
        config_url=pending.config_url,
        qr_svg=twofactor.qr_svg(pending),
    )
    return TemplateResponse(request, "accounts/twofactor.html", context)
