from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

from cms.core.relations import child_rows


class Person(index.Indexed, models.Model):
    """An expert, host, artist or creator credited on the brand's works."""

    name = models.CharField(_("姓名"), max_length=100)
    title = models.CharField(
        _("头衔与单位"),
        max_length=200,
        blank=True,
        help_text=_("例如：内蒙古大学 物理学教授"),
    )
    bio = RichTextField(_("简介"), blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("照片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("title"),
        FieldPanel("photo"),
        FieldPanel("bio"),
    ]

    search_fields = [
        index.SearchField("name", boost=2),
        index.AutocompleteField("name"),
        index.SearchField("title"),
        index.SearchField("bio"),
    ]

    class Meta:
        verbose_name = _("人物")
        verbose_name_plural = _("人物")
        ordering = ["name"]

    def __str__(self):
        return self.name


def credited_people_search_field(relation: str) -> index.RelatedFields:
    """The names of the people credited through ``relation`` (a page's
    credits, hosts or participants), searched with the page: boosted, a name
    is what a search for a person types."""
    return index.RelatedFields(
        relation, [index.RelatedFields("person", [index.SearchField("name", boost=2)])]
    )


class BaseCredit(Orderable):
    """A person credited on a page in a role.

    Each page type that credits people subclasses this with a ``page``
    ParentalKey and a ``role`` field whose choices fit that kind of work, so
    credits are edited inline, keep their order, and read the same way in
    templates and feeds.
    """

    person = models.ForeignKey(
        Person,
        verbose_name=_("人物"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(
        _("备注"), max_length=100, blank=True, help_text=_("例如：特邀、领唱")
    )

    panels = [FieldPanel("person"), FieldPanel("role"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        abstract = True

    def __str__(self):
        return f"{self.get_role_display()}：{self.person}"


class CreditedPageMixin:
    """A page that credits people in a child relation of ``BaseCredit`` rows.

    Its template gets them, in order and with their people, as ``credits``,
    whether the page is live, a draft revision or unsaved in the editor (see
    ``cms.core.relations``). ``credits_relation`` names the relation.
    """

    credits_relation = "credits"

    def get_credits(self) -> list:
        return child_rows(getattr(self, self.credits_relation), "person__photo")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["credits"] = self.get_credits()
        return context
