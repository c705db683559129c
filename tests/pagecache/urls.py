"""A tiny site for testing the page cache on its own."""

from django.http import HttpResponse
from django.urls import path

import pagecache

RENDERS = []


def tagged(request, name):
    RENDERS.append(name)
    response = HttpResponse(f"page {name} #{len(RENDERS)}")
    return pagecache.tag(response, "site", f"thing:{name}")


# Tags a "changing" page shows next, and what to do while it is being rendered.
CHANGING = {"tags": ["thing:a"], "while_rendering": None}


def changing(request):
    RENDERS.append("changing")
    if CHANGING["while_rendering"]:
        CHANGING["while_rendering"]()
    return pagecache.tag(HttpResponse(f"changing #{len(RENDERS)}"), *CHANGING["tags"])


def article(request, name):
    """A page long enough to be worth compressing, tagged or not (``?untagged``)."""
    RENDERS.append(name)
    paragraphs = "".join(f"<p>Paragraph {n} of the story about {name}.</p>" for n in range(40))
    response = HttpResponse(f"<!doctype html><title>{name}</title>{paragraphs}")
    return response if "untagged" in request.GET else pagecache.tag(response, "site", f"thing:{name}")


def untagged(request):
    RENDERS.append("untagged")
    return HttpResponse(f"untagged #{len(RENDERS)}")


def sets_cookie(request):
    RENDERS.append("cookie")
    response = pagecache.tag(HttpResponse("cookie"), "site")
    response.set_cookie("x", "1")
    return response


@pagecache.uses_params("page", "q")
def listing(request):
    RENDERS.append("listing")
    return pagecache.tag(HttpResponse(f"listing {request.get_full_path()} #{len(RENDERS)}"), "site")


urlpatterns = [
    path("listing/", listing),
    path("tagged/<str:name>/", tagged),
    path("article/<str:name>/", pagecache.uses_params("untagged")(article)),
    path("changing/", changing),
    path("untagged/", untagged),
    path("cookie/", sets_cookie),
]
