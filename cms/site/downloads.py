"""Which pages offer their media as a download.

The brand gives away its own works: a page whose 版权方 is the association
(the default, ``DEFAULT_RIGHTS_HOLDER``) shows a download button under its
player; a work whose rights belong to someone else is only played. Editors
decide it with the 版权方 field they already fill for platforms.
"""

from cms.core.models import DEFAULT_RIGHTS_HOLDER


def downloads_allowed(page) -> bool:
    return getattr(page, "rights_holder", None) == DEFAULT_RIGHTS_HOLDER
