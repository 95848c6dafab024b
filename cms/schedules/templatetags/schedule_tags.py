"""The coming airings on a programme's or an episode's public page, with the
links to the programme's 节目预告 and calendar feed.

The programmes app's templates load these tags by name, so the programmes
app never imports the schedule that builds on it."""

from django import template

from cms.programmes.models import EpisodePage, ProgramPage

from ..public import coming_airings
from ..timezones import SCHEDULE_TZ

register = template.Library()

#: The next few: the full list is one link away.
AIRINGS_SHOWN = 5


@register.inclusion_tag("schedules/includes/upcoming_airings.html")
def upcoming_airings(page):
    """Only live, public schedule data: a programme's next airings, or an
    episode's own. One query however many rows."""
    if page.pk is None:
        # A new page in preview: nothing can be scheduled on it yet.
        return {"airings": []}
    page = getattr(page, "specific", page)
    if isinstance(page, ProgramPage):
        airings = coming_airings().filter(programme=page)
        programme = page
    elif isinstance(page, EpisodePage):
        airings = coming_airings().filter(episode=page)
        programme = None
    else:
        return {"airings": []}
    return {
        "airings": list(airings[:AIRINGS_SHOWN]),
        "programme": programme,
        "show_episode": programme is not None,
        "schedule_tz": SCHEDULE_TZ,
    }
