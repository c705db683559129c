"""
Uploads: the size limit, enforced while a request streams in, and the editor's image upload.

``UploadSizeLimitHandler`` is the first of ``FILE_UPLOAD_HANDLERS``. It counts each file's bytes
as they arrive; once a file passes ``NEWSROOM_UPLOAD_MAX_BYTES`` it skips the rest of it, so
Django reads the remainder and throws it away (nothing more is kept in memory or in a temporary
file) and closes, which deletes, what the other handlers had written. The refusal is recorded
on the request, and ``upload_refusal(request, field)`` gives it to the form or view, which shows
it instead of "This field is required". A request whose Content-Length already says too much has
its files skipped from their first byte. (The web server's own body limit, e.g. nginx's
``client_max_body_size``, should sit a little above ours so that absurd uploads never reach
Django at all.)

``editor_image_upload`` is where CKEditor 5 sends an image dropped or chosen in the editor
(``CK_EDITOR_5_UPLOAD_FILE_VIEW_NAME``): every inline image becomes a Photo in the library,
through the same service and checks as an upload in the admin.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from articles import audio, photos, validators

# Room for a form's other fields and the multipart framing around the file: a request longer
# than the limit plus this cannot be carrying a file within the limit (our forms send one).
REQUEST_OVERHEAD = 256 * 1024


# The form field of a report's recording (``Audio.recording``), which has a limit of its own.
AUDIO_FIELD = "recording"


def _limit(field_name):
    """``(bytes, refusal)`` for a file sent as ``field_name``: a recording's, or a photo's."""
    if field_name == AUDIO_FIELD:
        return audio.max_audio_bytes(), audio.too_large_error
    return validators.max_upload_bytes(), validators.too_large_error


class UploadSizeLimitHandler(FileUploadHandler):
    """
    Skip every uploaded file past its limit (``NEWSROOM_UPLOAD_MAX_BYTES``, or
    ``NEWSROOM_AUDIO_MAX_BYTES`` for a recording), recording why on the request.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length  # (new_file sets content_length: the file's)

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.limit, self.refusal = _limit(field_name)
        if self.request_length and self.request_length > self.limit + REQUEST_OVERHEAD:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) hands the file over

    def _refuse(self):
        if self.request is not None:
            refusals = getattr(self.request, "_upload_refusals", {})
            refusals[self.field_name] = self.refusal()
            self.request._upload_refusals = refusals
        raise SkipFile


def upload_refusal(request, field_name):
    """The ``ValidationError`` for the file sent as ``field_name`` that was refused, or None."""
    request.FILES  # noqa: B018 - parses the body (running the upload handlers) if not done yet
    return getattr(request, "_upload_refusals", {}).get(field_name)


def _error(message, *, status=400):
    # The shape CKEditor 5's simple upload adapter shows to the editor.
    return JsonResponse({"error": {"message": message}}, status=status)


@require_POST
def editor_image_upload(request):
    """
    Make a Photo of the image CKEditor 5 sends (as ``upload``) and answer ``{"url": ...}``.

    The editor's upload sends only the file, so the photo is credited ``NEWSROOM_DEFAULT_CREDIT``
    and has no alt text: the desk sets both in the photo library, and the workflow refuses to
    publish the story until the alt text is there. A refusal answers ``{"error": {"message":
    ...}}`` (400; 403 without permission to add photos), which the editor shows as it is. CSRF
    protection stays on: the editor sends the token in its X-CSRFToken header.
    """
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("articles.add_photo")):
        return _error("You do not have permission to upload photos.", status=403)
    refusal = upload_refusal(request, "upload")
    if refusal is not None:
        return _error(refusal.messages[0])
    upload = request.FILES.get("upload")
    if upload is None:
        return _error("No file was sent: choose an image to upload.")
    try:
        photo = photos.photo_create(file=upload, credit=settings.NEWSROOM_DEFAULT_CREDIT, user=user)
    except ValidationError as error:
        return _error(error.messages[0])
    return JsonResponse({"url": photo.image.url, "photo": photo.pk})
