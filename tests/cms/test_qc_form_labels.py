"""QC sends the editor to fields by the names the edit form shows them under,
for every deliverable page type, read from the form itself."""

import re

import pytest
from django.urls import reverse

from cms.core.deliverables import deliverable_kinds
from cms.core.form_labels import form_label, section_label
from cms.programmes.models import EpisodePage
from syndication.models import DeliveryProfile, RequiredMetadata
from syndication.qc import check_media, check_metadata

pytestmark = pytest.mark.django_db

QUOTED = re.compile(r"“([^”]+)”")


def bare_page(kind):
    """A page of ``kind`` lacking everything a platform may ask for."""
    page = kind.model.objects.live().first()
    kind.credits_of(page).delete()
    page.producing_unit = page.rights_holder = ""
    page.cover = None
    setattr(page, kind.summary_field, "")
    return page


def every_finding(page):
    profile = DeliveryProfile(
        required_metadata=list(RequiredMetadata.values), cover_sizes=[]
    )
    return check_media(None, profile, page=page) + check_metadata(page, profile)


@pytest.mark.parametrize("kind", deliverable_kinds(), ids=lambda k: k.name)
def test_every_label_qc_names_is_in_the_edit_form(client, demo, superuser, kind):
    page = bare_page(kind)
    findings = every_finding(page)
    codes = {f.code for f in findings}
    assert {
        "no_media",
        "missing_credits",
        "missing_producing_unit",
        "missing_rights_holder",
        "missing_cover",
        "missing_summary",
    } <= codes, codes
    client.force_login(superuser)
    html = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    html = html.content.decode()
    for finding in findings:
        labels = QUOTED.findall(finding.message)
        assert labels, finding.message
        for label in labels:
            assert label in html, (kind.name, finding.code, label)


def test_episode_credits_are_asked_for_as_the_form_calls_them(demo):
    page = bare_page(next(k for k in deliverable_kinds() if k.model is EpisodePage))
    found = {f.code: f.message for f in every_finding(page)}
    assert "“嘉宾与专家”" in found["missing_credits"]
    assert "主创人员" not in found["missing_credits"]
    assert "“节目音视频”" in found["no_media"]
    assert "“内容提要”" in found["missing_summary"]


def test_labels_come_from_the_panels():
    assert form_label(EpisodePage, "participants") == "嘉宾与专家"
    assert form_label(EpisodePage, "cover") == "封面"
    assert section_label(EpisodePage, "rights_holder") == "出品与版权"
    assert section_label(EpisodePage, "participants") is None
