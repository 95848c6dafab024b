"""The page types that can be delivered to platforms, declared by the page
classes themselves.

A page type becomes deliverable by inheriting ``DeliverablePage`` and saying,
in ``deliverable_kind``, what it is called and where it keeps what a platform
gets: its media, its credits, its topics, its summary, its number. Its rights
are the ``ProductionRightsMixin`` fields it inherits. Syndication (QC, the
ledger's workflow, the partner API, reports) asks this registry and knows no
page type by name, so a new deliverable page type needs no change there::

    class LecturePage(DeliverablePage, Page):
        media_asset = media_asset_field(_("讲座录像"))
        ...
        deliverable_kind = DeliverableKind(name="lecture", unit=_("场"))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cached_property

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.utils.html import strip_tags
from wagtail.fields import RichTextField

from .media_facts import format_duration_zh, measured_duration, poster, poster_url
from .models import ProductionRightsMixin

#: 出品单位 and 版权方, on every deliverable page (``ProductionRightsMixin``).
RIGHTS_FIELDS = ("producing_unit", "rights_holder")
#: What an item's parent page is to a partner: its programme or its series.
PARENT_ROLES = ("programme", "series")


@dataclass(frozen=True)
class DeliverableKind:
    """What a deliverable page type is and where it keeps what is delivered.

    Declared on the page class as ``deliverable_kind``; the registry binds it
    to its model (``model``), which is unset in the declaration.
    """

    #: What the partner API calls it (``ItemOut.kind``): "episode".
    name: str
    #: How reports count items of this kind: "31 集", "256 条".
    unit: str
    #: The field holding the video or audio the page carries.
    media_field: str = "media_asset"
    #: The reverse relation of its ``BaseCredit`` rows.
    credits_relation: str = "credits"
    #: Its ``ClusterTaggableManager`` of topics, if it has one.
    topics_field: str | None = "topics"
    #: Its summary: plain text, or rich text given to partners as plain text.
    summary_field: str = "summary"
    #: Its own duration field, if any (else the media's duration is used).
    duration_field: str | None = "duration"
    #: Its number in its programme or series, if it has one.
    number_field: str | None = None
    #: What its parent page is: "programme", "series" or None (a library).
    parent_role: str | None = None
    model: type | None = None

    # --- The model's side, found once ---------------------------------------

    @property
    def label(self) -> str:
        """The page type's name in Chinese: 节目单集."""
        return self.model._meta.verbose_name

    @cached_property
    def credit_model(self):
        return self.model._meta.get_field(self.credits_relation).related_model

    @cached_property
    def credit_page_field(self) -> str:
        """The credit's key to its page (``page`` for ``BaseCredit`` rows)."""
        return self.model._meta.get_field(self.credits_relation).field.name

    @cached_property
    def topic_model(self):
        """Its tagged-item model (``content_object``, ``tag``), or None."""
        if self.topics_field is None:
            return None
        return self.model._meta.get_field(self.topics_field).remote_field.through

    @cached_property
    def summary_is_rich_text(self) -> bool:
        field = self.model._meta.get_field(self.summary_field)
        return isinstance(field, RichTextField)

    @cached_property
    def item_fields(self) -> tuple[str, ...]:
        """Its own columns a delivered item is made from, besides the page's."""
        own = (self.summary_field, self.duration_field, self.number_field)
        return (*(name for name in own if name), *RIGHTS_FIELDS)

    def lookup_from_page(self, path: str) -> str:
        """``path`` on this page type as a lookup from a base ``Page``:
        ``media_asset__sha256`` → ``episodepage__media_asset__sha256``."""
        return f"{self.model._meta.model_name}__{path}"

    # --- One page's values (``page`` is an instance of ``model``) -----------

    def media_of(self, page):
        return getattr(page, self.media_field)

    def credits_of(self, page):
        """The page's credits in order, with their people."""
        return getattr(page, self.credits_relation).all().select_related("person")

    def topics_of(self, page) -> list[str]:
        if self.topics_field is None:
            return []
        return [tag.name for tag in getattr(page, self.topics_field).all()]

    def summary_of(self, page) -> str:
        """The summary as plain text."""
        return self.plain_summary(getattr(page, self.summary_field))

    def plain_summary(self, value: str | None) -> str:
        if self.summary_is_rich_text:
            return strip_tags(value or "").strip()
        return value or ""

    def number_of(self, page) -> int | None:
        return getattr(page, self.number_field) if self.number_field else None


class DeliverablePage(ProductionRightsMixin):
    """A page type whose pages can be delivered to platforms.

    Concrete subclasses set ``deliverable_kind``; the registry finds them
    among the installed models.
    """

    deliverable_kind: DeliverableKind

    class Meta:
        abstract = True

    # --- Facts taken from the media (``cms.core.media_facts``) -------------
    # One place for what every template, listing and feed shows, so the page
    # and its player can never disagree again.

    def chosen_media(self):
        """The page's media asset, or None (without a query when unset)."""
        field = self.deliverable_kind.media_field
        if getattr(self, f"{field}_id", None) is None:
            return None  # no query for a page without media
        return getattr(self, field)

    @property
    def running_time(self) -> timedelta | None:
        """The measured duration of the page's media; what the editor typed
        only while there is none (no media, or not probed yet)."""
        measured = measured_duration(self.chosen_media())
        if measured is not None:
            return measured
        field = self.deliverable_kind.duration_field
        return getattr(self, field, None) if field else None

    @property
    def duration_seconds(self) -> float | None:
        running_time = self.running_time
        return running_time.total_seconds() if running_time else None

    @property
    def display_duration(self) -> str:
        """The running time as the site shows it: 0分12秒, 1小时02分."""
        return format_duration_zh(self.running_time)

    @property
    def poster_url(self) -> str | None:
        """The media's poster, shown where the page has no cover of its own."""
        return poster_url(self.chosen_media())

    @property
    def poster_size(self) -> tuple[int, int] | None:
        """The poster's width and height in pixels, None without one."""
        still = poster(self.chosen_media())
        if still is None or not (still.width and still.height):
            return None
        return still.width, still.height


# --- The registry ------------------------------------------------------------

# Rebuilt whenever the app registry's model list changes (a model defined in
# a test), which Django signals by handing out a new list.
_registry: tuple[list, tuple[DeliverableKind, ...], dict] | None = None


def _bind(model) -> DeliverableKind:
    declared = model.__dict__.get("deliverable_kind")
    if not isinstance(declared, DeliverableKind):
        raise ImproperlyConfigured(
            f"{model._meta.label} is a DeliverablePage without its own "
            "deliverable_kind."
        )
    if declared.parent_role not in (None, *PARENT_ROLES):
        raise ImproperlyConfigured(
            f"{model._meta.label}: parent_role must be one of {PARENT_ROLES}."
        )
    return replace(declared, model=model)


def _build(models: list) -> tuple[tuple[DeliverableKind, ...], dict]:
    kinds = tuple(
        _bind(model)
        for model in models
        if issubclass(model, DeliverablePage) and not model._meta.abstract
    )
    names = [kind.name for kind in kinds]
    if len(set(names)) != len(names):
        raise ImproperlyConfigured(f"Deliverable kinds share a name: {names}")
    return kinds, {kind.model: kind for kind in kinds}


def _current() -> tuple[tuple[DeliverableKind, ...], dict]:
    global _registry
    models = apps.get_models()  # cached by Django until a model is added
    if _registry is None or _registry[0] is not models:
        _registry = (models, *_build(models))
    return _registry[1], _registry[2]


def deliverable_kinds() -> tuple[DeliverableKind, ...]:
    """Every deliverable page type's kind, in ``INSTALLED_APPS`` order."""
    return _current()[0]


def deliverable_page_models() -> list:
    return [kind.model for kind in deliverable_kinds()]


def kind_for_model(model) -> DeliverableKind | None:
    return _current()[1].get(model)


def kind_for_page(page) -> DeliverableKind | None:
    """The kind of ``page``, specific or not; None if it is not deliverable.
    (Its accessors such as ``media_of`` want the specific page.)"""
    by_model = _current()[1]
    kind = by_model.get(type(page))
    if kind is None and hasattr(page, "specific_class"):
        kind = by_model.get(page.specific_class)
    return kind


def kind_for_content_type(content_type: ContentType | int) -> DeliverableKind | None:
    """The kind of pages of ``content_type`` (or its id); ContentType's
    manager caches these, so this costs no query after the first."""
    if not isinstance(content_type, ContentType):
        content_type = ContentType.objects.get_for_id(content_type)
    return kind_for_model(content_type.model_class())


def deliverable_media(page):
    """The media a deliverable (specific) page carries; None for any other."""
    kind = kind_for_page(page)
    return kind.media_of(page) if kind is not None else None


def deliverable_labels_text() -> str:
    """The kinds' labels as a sentence lists them: 节目单集、短视频或音乐作品."""
    labels = [str(kind.label) for kind in deliverable_kinds()]
    if len(labels) < 2:
        return "".join(labels)
    return "、".join(labels[:-1]) + "或" + labels[-1]
