"""Collections: the reader's list and pages, adding, reordering, sharing, "Download all".

Thin: a form validates, a service writes (`services`), a selector reads (`selectors`), and
the zip is `archive`'s. Someone else's collection, a forged or revoked link: 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.guards import has_verified_email, verified_account_required
from lightboxes import archive, selectors, services
from lightboxes.forms import AddForm, CollectionForm, DownloadForm, NoteForm
from lightboxes.models import Collection
from media_library.delivery import HttpResponseSeeOther

SIGNING_SALT = "lightboxes.download"
# The zip's link, made when the downloads were recorded: long enough to start a large one.
LINK_MAX_AGE_SECONDS = 3600


def _next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _owned(request: HttpRequest, pk: int) -> Collection:
    try:
        return services.owned(owner=request.user, collection_id=pk)
    except services.NotFound:
        raise Http404 from None


# --- The reader's collections ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@verified_account_required()
def collection_list(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.create_collection(
                owner=request.user, name=form.cleaned_data["name"]
            )
        except services.Refused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Collection “%(name)s” created.") % {"name": collection})
            return redirect(collection)
    return render(
        request,
        "lightboxes/collection_list.html",
        {"collections": selectors.collections_of(request.user), "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@verified_account_required()
def add(request: HttpRequest) -> HttpResponse:
    """Choose a collection for a video or a clip (the cards and video pages link or post here)."""
    collections = list(selectors.collections_of(request.user))
    data = request.POST if request.method == "POST" else None
    form = AddForm(data, collections=collections, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            if cleaned["clip"]:
                thing = services.addable_clip(user=request.user, clip_id=cleaned["clip"])
                target = {"clip": thing}
                title = thing.rendition.video.title
            else:
                thing = services.addable_video(slug=cleaned["video"])
                target = {"video": thing}
                title = thing.title
            if cleaned["collection"] is not None:
                collection = services.owned(owner=request.user, collection_id=cleaned["collection"])
            else:
                collection = services.collection_named(owner=request.user, name=cleaned["new_name"])
            services.add_item(
                owner=request.user, collection_id=collection.pk, note=cleaned["note"], **target
            )
        except services.NotFound:
            form.add_error("collection", _("Choose one of your own collections."))
        except services.Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("“%(title)s” is in your collection “%(name)s”.")
                % {"title": title, "name": collection.name},
            )
            return HttpResponseRedirect(_next(request, collection.get_absolute_url()))
    return render(
        request,
        "lightboxes/add.html",
        {
            "form": form,
            "collections": collections,
            "next_url": _next(request, ""),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_GET
@verified_account_required()
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _owned(request, pk)
    return render(
        request,
        "lightboxes/collection_detail.html",
        {
            "collection": collection,
            "items": selectors.items_of(collection),
            "rename_form": CollectionForm(initial={"name": collection.name}),
            "download_form": DownloadForm(),
            "is_owner": True,
        },
    )


def _owner_action(action):
    """A POST on the reader's own collection: run the service, say what happened, go back."""

    @never_cache
    @require_POST
    @verified_account_required()
    def view(request: HttpRequest, pk: int, **kwargs) -> HttpResponse:
        try:
            message = action(request, pk, **kwargs)
        except services.NotFound:
            raise Http404 from None
        except services.Refused as exc:
            messages.error(request, str(exc))
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(_next(request, reverse("lightboxes:detail", args=[pk])))

    view.__name__ = action.__name__
    return view


@_owner_action
def rename(request: HttpRequest, pk: int) -> str:
    # The service says what is wrong with a name (empty, too long, taken).
    services.rename_collection(
        owner=request.user, collection_id=pk, name=request.POST.get("name", "")
    )
    return _("Collection renamed.")


@never_cache
@require_POST
@verified_account_required()
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.delete_collection(owner=request.user, collection_id=pk)
    except services.NotFound:
        raise Http404 from None
    messages.success(request, _("Collection deleted."))
    return redirect("lightboxes:list")


@_owner_action
def move(request: HttpRequest, pk: int, item_id: int) -> str:
    services.move_item(
        owner=request.user, collection_id=pk, item_id=item_id, up=request.POST.get("to") == "up"
    )
    return ""


@_owner_action
def reorder(request: HttpRequest, pk: int) -> str:
    try:
        order = [int(value) for value in request.POST.getlist("item")]
    except ValueError:
        raise services.Refused(_("The new order could not be read.")) from None
    services.reorder(owner=request.user, collection_id=pk, item_ids=order)
    return _("New order saved.")


@_owner_action
def note(request: HttpRequest, pk: int, item_id: int) -> str:
    form = NoteForm(request.POST)
    if not form.is_valid():
        raise services.Refused(" ".join(form.errors["note"]))
    services.set_note(
        owner=request.user, collection_id=pk, item_id=item_id, note=form.cleaned_data["note"]
    )
    return _("Note saved.")


@_owner_action
def remove(request: HttpRequest, pk: int, item_id: int) -> str:
    services.remove_item(owner=request.user, collection_id=pk, item_id=item_id)
    return _("Removed from the collection.")


@_owner_action
def share(request: HttpRequest, pk: int) -> str:
    services.share(owner=request.user, collection_id=pk)
    return _(
        "Anyone with the link can now see this collection; to download, they need a verified account."
    )


@_owner_action
def unshare(request: HttpRequest, pk: int) -> str:
    services.revoke_share(owner=request.user, collection_id=pk)
    return _("The share link no longer works.")


@_owner_action
def feed_issue(request: HttpRequest, pk: int) -> str:
    services.issue_feed(owner=request.user, collection_id=pk)
    return _("Your private feed address is ready. Keep it to yourself: it needs no password.")


@_owner_action
def feed_revoke(request: HttpRequest, pk: int) -> str:
    services.revoke_feed(owner=request.user, collection_id=pk)
    return _("The feed address no longer works.")


# --- Shared, read-only -------------------------------------------------------------------------


def _revoked(request: HttpRequest) -> HttpResponse:
    """A forged link, or one its owner revoked: said plainly, with a 404."""
    return render(request, "lightboxes/link_revoked.html", status=404)


@never_cache
@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    try:
        collection = services.shared_collection(token=token)
    except services.NotFound:
        return _revoked(request)
    return render(
        request,
        "lightboxes/collection_detail.html",
        {
            "collection": collection,
            "items": selectors.items_of(collection),
            "download_form": DownloadForm(),
            "is_owner": request.user.is_authenticated and collection.owner_id == request.user.pk,
            "share_token": token,
            "can_download": has_verified_email(request.user),
        },
    )


# --- "Download all" ----------------------------------------------------------------------------


def _record_and_link(
    request: HttpRequest, collection: Collection, share_token: str = ""
) -> HttpResponse:
    form = DownloadForm(request.POST)
    choice = form.cleaned_data["version"] if form.is_valid() else archive.DEFAULT_CHOICE
    plan = archive.plan(collection=collection, choice=choice)
    if not plan.members:
        messages.error(request, _("Nothing in this collection can be downloaded."))
        return HttpResponseRedirect(request.path.rsplit("download/", 1)[0])
    archive.record_downloads(user=request.user, plan=plan)
    token = signing.dumps(
        {"c": collection.pk, "u": request.user.pk, "k": plan.choice, "s": share_token},
        salt=SIGNING_SALT,
    )
    return HttpResponseSeeOther(reverse("lightboxes:archive", kwargs={"token": token}))


def _shared_page(request: HttpRequest, token: str, **kwargs) -> str:
    return reverse("lightboxes:shared", kwargs={"token": token})


@never_cache
@require_POST
@verified_account_required()
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a download of every item, then send the browser to the zip's link."""
    return _record_and_link(request, _owned(request, pk))


@never_cache
@require_POST
@verified_account_required(next_url=_shared_page)
def shared_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        collection = services.shared_collection(token=token)
    except services.NotFound:
        return _revoked(request)
    return _record_and_link(request, collection, share_token=token)


@never_cache
@require_GET
@verified_account_required()
def archive_file(request: HttpRequest, token: str) -> HttpResponse:
    """The zip behind a link made for this account: the owner's, or a colleague's while the
    share link it came from still works."""
    try:
        claims = signing.loads(token, salt=SIGNING_SALT, max_age=LINK_MAX_AGE_SECONDS)
        collection_id, user_id, choice, share_token = (
            int(claims["c"]),
            int(claims["u"]),
            str(claims["k"]),
            str(claims["s"]),
        )
    except signing.SignatureExpired:
        return render(request, "media_library/link_expired.html", status=410)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404 from None
    if user_id != request.user.pk:
        raise Http404
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        raise Http404
    if share_token:
        if collection.share_token != share_token:
            return _revoked(request)
    elif collection.owner_id != request.user.pk:
        raise Http404
    return archive.response(archive.plan(collection=collection, choice=choice))
