"""django-csp's middleware, with the one place the site's policy bends.

Wagtail's admin writes inline scripts that cannot carry a nonce: its widgets'
set-up (date choosers, choosers, inline panels) and the scripts of modal
answers that jQuery runs. So under ``CSP_ADMIN_URL_PREFIX`` the directives of
``CSP_ADMIN_DIRECTIVES`` replace the site's; the public site keeps scripts
from our origin or with the request's nonce only.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request, response, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        prefix = getattr(settings, "CSP_ADMIN_URL_PREFIX", "")
        if prefix and request.path_info.startswith(prefix):
            parts.replace = {**settings.CSP_ADMIN_DIRECTIVES, **(parts.replace or {})}
        return parts
