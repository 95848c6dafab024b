"""Sign-in throttling on Wagtail's admin login (django-axes).

Failures are counted per username and address together: after
AXES_FAILURE_LIMIT of them that pair is refused, even with the right password,
with a Chinese page (429) until the cool-off has passed; another account or
another address is not affected.
"""

import logging
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
PASSWORD = "correct-horse-battery"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def editor_account(db):
    return get_user_model().objects.create_user(
        "zhang.editor", password=PASSWORD, is_staff=True
    )


@pytest.fixture
def other_account(db):
    user = get_user_model().objects.create_user(
        "li.producer", password=PASSWORD, is_staff=True
    )
    return user


def sign_in(client, username, password, address):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def signed_in(response) -> bool:
    # Wagtail's LoginView redirects to the dashboard on success.
    return response.status_code == 302 and response.url == "/admin/"


def fail_until_locked(client, username, address):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, username, "wrong-password", address)
    return response


def assert_locked_out(response):
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂时锁定" in html
    assert "登录失败次数过多" in html
    assert response.wsgi_request.user.is_anonymous


def test_the_right_password_is_refused_once_the_pair_is_locked(client, editor_account):
    assert settings.AXES_FAILURE_LIMIT >= 3
    # Below the limit a failure is the ordinary form error.
    first = sign_in(client, "zhang.editor", "wrong-password", ATTACKER)
    assert first.status_code == 200
    assert "wrong-password" not in first.content.decode()

    last = fail_until_locked(client, "zhang.editor", ATTACKER)
    assert_locked_out(last)

    response = sign_in(client, "zhang.editor", PASSWORD, ATTACKER)
    assert_locked_out(response)
    # The lockout page is one of ours, so it carries the site's CSP too.
    assert "Content-Security-Policy" in response.headers
    assert "_auth_user_id" not in client.session


def test_another_account_or_address_is_not_affected(
    client, editor_account, other_account
):
    fail_until_locked(client, "zhang.editor", ATTACKER)
    assert_locked_out(sign_in(client, "zhang.editor", PASSWORD, ATTACKER))

    # The same account from elsewhere: a stranger cannot lock an editor out.
    assert signed_in(sign_in(client, "zhang.editor", PASSWORD, ELSEWHERE))
    client.logout()
    # Another account from the locked address.
    assert signed_in(sign_in(client, "li.producer", PASSWORD, ATTACKER))


def test_the_pair_may_sign_in_again_after_the_cool_off(
    client, editor_account, settings
):
    fail_until_locked(client, "zhang.editor", ATTACKER)
    assert_locked_out(sign_in(client, "zhang.editor", PASSWORD, ATTACKER))

    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    time.sleep(1.2)

    assert signed_in(sign_in(client, "zhang.editor", PASSWORD, ATTACKER))
    # A success resets the count (AXES_RESET_ON_SUCCESS).
    assert not AccessAttempt.objects.filter(username="zhang.editor").exists()


def test_failures_are_recorded_and_logged(client, editor_account, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        fail_until_locked(client, "zhang.editor", ATTACKER)

    limit = settings.AXES_FAILURE_LIMIT
    # Every failure, with who, from where and when.
    failures = AccessFailureLog.objects.filter(username="zhang.editor")
    assert failures.count() == limit
    assert {failure.ip_address for failure in failures} == {ATTACKER}
    assert all(failure.path_info == LOGIN_URL for failure in failures)
    attempt = AccessAttempt.objects.get(username="zhang.editor", ip_address=ATTACKER)
    assert attempt.failures_since_start == limit

    messages = [record.getMessage() for record in caplog.records]
    failure_lines = [m for m in messages if " login failure by " in m]
    assert len(failure_lines) == limit
    assert any("Locking out" in message for message in messages)
    # The address is in the log; the username is masked, since people type a
    # password into it by mistake.
    assert all(ATTACKER in line for line in failure_lines)
    assert all("zhang.editor" not in message for message in messages)


def test_the_lockout_settings_come_from_the_environment():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert isinstance(settings.AXES_COOLOFF_TIME, timedelta)
