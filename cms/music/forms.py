from cms.core.forms import DeliverablePageForm

from .validators import normalise_isrc, normalise_iswc


class MusicWorkPageForm(DeliverablePageForm):
    """Stores identifiers in their compact form, whatever the editor typed."""

    def clean_isrc(self):
        value = self.cleaned_data.get("isrc", "")
        return normalise_isrc(value) if value else value

    def clean_iswc(self):
        value = self.cleaned_data.get("iswc", "")
        return normalise_iswc(value) if value else value
