from django import template

from cms.awards.models import Award

register = template.Library()


@register.inclusion_tag("awards/includes/award_list.html")
def awards_for(page):
    return {"awards": Award.objects.for_page(page)}
