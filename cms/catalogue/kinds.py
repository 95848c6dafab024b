"""The three kinds of catalogue row and where each lives in the page tree.

Roles are read in Chinese through the credit model's own choices (主持人,
专家, 作曲 …), so the sheet speaks the editors' words; a few everyday
synonyms are added per kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cms.core.deliverables import kind_for_model
from cms.music.models import MusicForm, MusicWorkIndexPage, MusicWorkPage
from cms.programmes.models import EpisodePage, ProgramIndexPage, ProgramPage
from cms.videos.models import ShortVideoPage, VideoIndexPage, VideoSeriesPage


# Compared and hashed by identity: there is one of each, in KINDS.
@dataclass(frozen=True, eq=False)
class CatalogueKind:
    label: str
    page_model: type
    #: The list page the parent (or, for music, the page itself) goes under.
    index_model: type
    #: The programme or series page; None when pages sit under the index.
    parent_model: type | None
    number_field: str | None
    #: Synonyms the sheet may use for a role, besides the choices' labels.
    role_aliases: dict[str, str] = field(default_factory=dict)

    @property
    def deliverable(self):
        """The page type's ``DeliverableKind``, bound to its model."""
        return kind_for_model(self.page_model)

    @property
    def credit_model(self):
        return self.deliverable.credit_model

    def roles(self) -> dict[str, str]:
        """Chinese role name → stored value."""
        choices = self.credit_model._meta.get_field("role").choices
        return {str(label): value for value, label in choices} | self.role_aliases


KINDS: dict[str, CatalogueKind] = {
    "节目单集": CatalogueKind(
        label="节目单集",
        page_model=EpisodePage,
        index_model=ProgramIndexPage,
        parent_model=ProgramPage,
        number_field="episode_number",
        role_aliases={"主讲": "host", "主持": "host", "讲解": "expert"},
    ),
    "短视频": CatalogueKind(
        label="短视频",
        page_model=ShortVideoPage,
        index_model=VideoIndexPage,
        parent_model=VideoSeriesPage,
        number_field="number_in_series",
        role_aliases={"主持人": "presenter", "专家": "adviser", "出品": "producer"},
    ),
    "音乐作品": CatalogueKind(
        label="音乐作品",
        page_model=MusicWorkPage,
        index_model=MusicWorkIndexPage,
        parent_model=None,
        number_field=None,
        role_aliases={"词": "lyricist", "曲": "composer", "歌手": "singer"},
    ),
}

#: 歌曲 → "song" …
MUSIC_FORMS: dict[str, str] = {str(label): value for value, label in MusicForm.choices}
