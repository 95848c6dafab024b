"""Who is uploading, and whether they may.

Two ways in: the Wagtail admin session of a producer's browser, or an API
token (``Authorization: Bearer <token>``) for scripts. The upload views are
exempt from Django's CSRF middleware so that token requests, which carry no
cookies and so cannot be forged cross-site, need no CSRF token; session
requests are checked here instead, exactly as the middleware would.
"""

from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

# Wagtail grants media permissions per collection (the 制片 group holds
# "add" on the root collection), so a plain has_perm() would miss them.
from ..permissions import permission_policy
from .errors import NotAuthenticated, PermissionDenied


class _CsrfCheck(CsrfViewMiddleware):
    # Report the reason instead of rendering Django's HTML 403 page.
    def _reject(self, request, reason):
        return reason


def _csrf_failure(request) -> str | None:
    check = _CsrfCheck(lambda request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


def _token_user(request, token: str):
    # The format check is offline and cheap: garbage never reaches the
    # database.
    if not APIToken.validate_token_format(token):
        return None
    # Wagtail's own resolution: revoked tokens and inactive users are
    # refused, and last_used_at is kept up to date.
    if BearerTokenAuth().authenticate(request, token) is None:
        return None
    return request.user


def request_authenticate(request):
    """The user behind the request, or NotAuthenticated / PermissionDenied.

    A request that presents a token is judged by the token alone, even if it
    also carries a session cookie.
    """
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _space, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(_("只支持 Bearer 令牌认证。"))
        user = _token_user(request, token.strip())
        if user is None:
            raise NotAuthenticated(_("API 令牌无效或已被吊销。"))
        return user
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise NotAuthenticated()
    if _csrf_failure(request):
        raise PermissionDenied(_("CSRF 校验失败，请刷新页面后重试。"))
    return user


def user_may_upload(user) -> bool:
    return permission_policy.user_has_permission(user, "add")


def user_may_upload_to(user, collection) -> bool:
    return (
        permission_policy.collections_user_has_permission_for(user, "add")
        .filter(pk=collection.pk)
        .exists()
    )


def user_check_permission(user) -> None:
    if not user_may_upload(user):
        raise PermissionDenied()
