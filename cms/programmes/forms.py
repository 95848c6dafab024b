from django.utils.translation import gettext as _

from cms.core.forms import DeliverablePageForm


class EpisodePageForm(DeliverablePageForm):
    def clean(self):
        cleaned_data = super().clean()
        number = cleaned_data.get("episode_number")
        # On creation the page is not in the tree yet; the view tells us its
        # parent. On edit the page knows its own parent.
        parent = self.parent_page if self.instance.pk is None else None
        parent = parent or self.instance.get_parent()
        if number is not None and parent is not None:
            self.instance.episode_number = number
            if self.instance.episode_number_taken(parent):
                self.add_error(
                    "episode_number",
                    _("本节目已有第 %(number)s 期，请换一个期数。")
                    % {"number": number},
                )
        return cleaned_data
