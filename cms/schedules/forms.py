"""Admin forms. Their rules are the services' rules: a form asks
``airing_refusals`` and shows the same Chinese reasons the services raise."""

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from .models import Airing, SlotRule
from .services import airing_refusals, airing_schedule


class AiringForm(WagtailAdminModelForm):
    class Meta:
        model = Airing
        fields = [
            "channel",
            "programme",
            "episode",
            "start_at",
            "end_at",
            "kind",
            "house_number",
        ]

    def clean(self):
        cleaned = super().clean()
        needed = ("channel", "programme", "start_at", "end_at")
        if any(cleaned.get(name) is None for name in needed):
            return cleaned
        episode = cleaned.get("episode")
        reasons = airing_refusals(
            channel=cleaned["channel"],
            programme=cleaned["programme"],
            start_at=cleaned["start_at"],
            end_at=cleaned["end_at"],
            episode=episode.specific if episode else None,
            exclude=self.instance,
        )
        for reason in reasons:
            self.add_error(None, reason)
        return cleaned

    def save(self, commit=True):
        """Saved through the service, which checks again under a lock."""
        data = self.cleaned_data
        episode = data.get("episode")
        return airing_schedule(
            airing=self.instance,
            channel=data["channel"],
            programme=data["programme"],
            episode=episode.specific if episode else None,
            start_at=data["start_at"],
            end_at=data["end_at"],
            kind=data["kind"],
            house_number=data.get("house_number", ""),
        )


class SlotRuleForm(WagtailAdminModelForm):
    class Meta:
        model = SlotRule
        fields = [
            "programme",
            "channel",
            "weekday",
            "local_time",
            "duration",
            "kind",
            "valid_from",
            "valid_until",
        ]

    def clean(self):
        cleaned = super().clean()
        duration = cleaned.get("duration")
        if duration is not None and duration <= dt.timedelta(0):
            self.add_error("duration", _("时段长度必须大于零。"))
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("截止日期不能早于生效日期。"))
        return cleaned


#: The longest range generated at once: a season is plenty, and a typo in a
#: year must not create thousands of airings.
MAX_GENERATE_DAYS = 400


class DateRangeForm(forms.Form):
    first_day = forms.DateField(label=gettext_lazy("起始日期"))
    last_day = forms.DateField(label=gettext_lazy("截止日期"))

    max_days = MAX_GENERATE_DAYS

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", _("截止日期不能早于起始日期。"))
            elif (last - first).days >= self.max_days:
                self.add_error(
                    "last_day",
                    _("日期范围不能超过 %(n)s 天。") % {"n": self.max_days},
                )
        return cleaned
