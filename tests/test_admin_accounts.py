"""Sign-in lockouts: the warning before one, the locked page, and Administrators unlocking."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnership.admin.accounts import current_lockouts
from tests import factories
from tests.admin_forms import form_errors, submit

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = reverse("admin:login")
LOCKED_ACCOUNTS = reverse("curation:locked-accounts")


def browser(address="127.0.0.1"):
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)


def fail_sign_in(client, username, times=1):
    response = None
    for _ in range(times):
        response = client.post(
            LOGIN, {"username": username, "password": "wrong", "next": "/admin/"}
        )
    return response


def sign_in(client, username):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": "/admin/"})


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Dozens of sign-ins per test: a fast hasher keeps them quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def administrator(django_user_model):
    return factories.staff("Administrator", password=PASSWORD)


@pytest.fixture
def curator(django_user_model):
    return factories.staff("Contributor", "curator", password=PASSWORD)


@pytest.fixture
def locked(curator):
    """The curator, locked out from 127.0.0.1 after as many failures as the limit allows."""
    response = fail_sign_in(browser(), curator.username, settings.AXES_FAILURE_LIMIT)
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
    return curator


class TestRole:
    def test_administrators_may_read_and_delete_access_attempts(self):
        codes = set(
            Group.objects.get(name="Administrator")
            .permissions.filter(content_type__app_label="axes")
            .values_list("codename", flat=True)
        )
        assert {"view_accessattempt", "delete_accessattempt", "view_accesslog"} <= codes
        assert "change_accessattempt" not in codes

    @pytest.mark.parametrize("role", ["Editor", "Contributor"])
    def test_other_roles_have_no_axes_permission(self, role):
        group = Group.objects.get(name=role)
        assert not group.permissions.filter(content_type__app_label="axes").exists()

    def test_an_administrator_opens_the_access_attempts(self, administrator, locked):
        response = signed_in(browser(), administrator).get(
            reverse("admin:axes_accessattempt_changelist")
        )
        assert response.status_code == 200
        assert locked.username in response.content.decode()


class TestUnlock:
    def test_an_administrator_unlocks_a_locked_account_which_can_then_sign_in(
        self, administrator, locked
    ):
        client = signed_in(browser("10.0.0.9"), administrator)
        page = client.get(LOCKED_ACCOUNTS).content.decode()
        assert locked.username in page and "127.0.0.1" in page
        assert f"<td>{settings.AXES_FAILURE_LIMIT}</td>" in page
        assert 'name="csrfmiddlewaretoken"' in page
        # Locked: even the right password is refused.
        assert sign_in(browser(), locked.username).status_code == 429

        response = client.post(
            LOCKED_ACCOUNTS, {"username": locked.username, "ip_address": "127.0.0.1"}, follow=True
        )
        page = response.content.decode()
        assert f"Unlocked “{locked.username}” from 127.0.0.1: they can sign in again." in page
        assert "No account is locked." in page

        response = sign_in(browser(), locked.username)
        assert response.status_code == 302 and response["Location"] == "/admin/"

    def test_unlocking_one_account_leaves_the_others_locked(
        self, administrator, locked, django_user_model
    ):
        other = factories.staff("Editor", password=PASSWORD)
        fail_sign_in(browser(), other.username, settings.AXES_FAILURE_LIMIT)
        signed_in(browser(), administrator).post(
            LOCKED_ACCOUNTS, {"username": locked.username, "ip_address": "127.0.0.1"}
        )
        assert [lockout.username for lockout in current_lockouts()] == [other.username]
        assert sign_in(browser(), other.username).status_code == 429

    def test_the_page_says_when_each_account_unlocks_by_itself(self, administrator, curator):
        when = timezone.make_aware(datetime.datetime(2030, 3, 4, 10, 0))
        with time_machine.travel(when, tick=False):
            fail_sign_in(browser(), curator.username, settings.AXES_FAILURE_LIMIT)
        with time_machine.travel(when + datetime.timedelta(minutes=20), tick=False):
            page = signed_in(browser(), administrator).get(LOCKED_ACCOUNTS).content.decode()
        # Paris time, an hour after the last failure.
        assert "March 4, 2030, 11 a.m." in page
        assert "in 40\xa0minutes" in page
        with time_machine.travel(when + datetime.timedelta(minutes=61), tick=False):
            page = signed_in(browser(), administrator).get(LOCKED_ACCOUNTS).content.decode()
            assert curator.username not in page
            assert sign_in(browser(), curator.username).status_code == 302

    def test_fewer_failures_than_the_limit_are_not_a_lockout(self, administrator, curator):
        fail_sign_in(browser(), curator.username, settings.AXES_FAILURE_LIMIT - 1)
        page = signed_in(browser(), administrator).get(LOCKED_ACCOUNTS).content.decode()
        assert curator.username not in page
        assert "No account is locked." in page

    def test_failures_from_two_browsers_add_up(self, administrator, curator):
        for agent in ("Firefox", "Chromium"):
            client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT=agent)
            fail_sign_in(client, curator.username, 3)
        [lockout] = current_lockouts()
        assert (lockout.username, lockout.failures) == (curator.username, 6)

    def test_unlocking_an_account_no_longer_locked_says_so(self, administrator, curator):
        response = signed_in(browser(), administrator).post(
            LOCKED_ACCOUNTS, {"username": curator.username, "ip_address": "127.0.0.1"}, follow=True
        )
        assert f"“{curator.username}” from 127.0.0.1 is not locked." in response.content.decode()

    @pytest.mark.parametrize(
        "data", [{}, {"username": ""}, {"username": "x", "ip_address": "not an address"}]
    )
    def test_a_malformed_unlock_is_a_400_that_unlocks_nothing(self, administrator, locked, data):
        response = signed_in(browser(), administrator).post(LOCKED_ACCOUNTS, data)
        assert response.status_code == 400
        assert "use the Unlock buttons" in response.content.decode()
        assert AccessAttempt.objects.filter(username=locked.username).exists()

    def test_the_unlock_form_needs_its_csrf_token(self, administrator, locked):
        client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(administrator)
        response = client.post(
            LOCKED_ACCOUNTS, {"username": locked.username, "ip_address": "127.0.0.1"}
        )
        assert response.status_code == 403
        assert AccessAttempt.objects.filter(username=locked.username).exists()

    def test_the_page_queries_do_not_grow_with_lockouts(
        self, administrator, django_user_model, django_assert_max_num_queries
    ):
        def lock_more(count):
            for _ in range(count):
                user = factories.staff("Contributor", password=PASSWORD)
                fail_sign_in(browser(), user.username, settings.AXES_FAILURE_LIMIT)

        client = signed_in(browser(), administrator)
        lock_more(2)
        with django_assert_max_num_queries(8):
            page = client.get(LOCKED_ACCOUNTS).content.decode()
        assert page.count('value="127.0.0.1"') == 2
        lock_more(3)
        with django_assert_max_num_queries(8):
            page = client.get(LOCKED_ACCOUNTS).content.decode()
        assert page.count('value="127.0.0.1"') == 5


class TestWhoMayUnlock:
    @pytest.mark.parametrize("role", ["Editor", "Contributor"])
    def test_editors_and_contributors_are_refused(self, django_user_model, role, locked):
        client = signed_in(browser(), factories.staff(role, password=PASSWORD))
        response = client.get(LOCKED_ACCOUNTS)
        assert response.status_code == 403
        response = client.post(
            LOCKED_ACCOUNTS, {"username": locked.username, "ip_address": "127.0.0.1"}
        )
        assert response.status_code == 403
        assert sign_in(browser(), locked.username).status_code == 429

    def test_anonymous_visitors_are_sent_to_sign_in(self, locked):
        response = browser().post(
            LOCKED_ACCOUNTS, {"username": locked.username, "ip_address": "127.0.0.1"}
        )
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert AccessAttempt.objects.filter(username=locked.username).exists()

    def test_the_admin_home_links_the_page_for_administrators_only(
        self, administrator, django_user_model, locked
    ):
        home = reverse("admin:index")
        page = signed_in(browser(), administrator).get(home).content.decode()
        assert f'href="{LOCKED_ACCOUNTS}"' in page and "1 locked now" in page
        editor = factories.staff("Editor", password=PASSWORD)
        assert LOCKED_ACCOUNTS not in signed_in(browser(), editor).get(home).content.decode()


class TestWarning:
    def test_no_warning_for_the_first_two_failures(self, curator):
        client = browser()
        for _ in range(2):
            page = fail_sign_in(client, curator.username).content.decode()
            assert "Please enter the correct username and password" in page
            assert "lockout-warning" not in page

    def test_from_the_third_failure_the_page_counts_the_attempts_left(self, curator):
        client = browser()
        fail_sign_in(client, curator.username, 2)
        page = fail_sign_in(client, curator.username).content.decode()
        assert "2 attempts left before this account is locked for an hour." in page
        page = fail_sign_in(client, curator.username).content.decode()
        assert "1 attempt left before this account is locked for an hour." in page

    def test_the_warning_follows_the_settings(self, curator, settings):
        settings.AXES_FAILURE_LIMIT = 10
        settings.AXES_COOLOFF_TIME = 0.5
        client = browser()
        page = fail_sign_in(client, curator.username, 3).content.decode()
        assert "7 attempts left before this account is locked for 30 minutes." in page


class TestLockedPage:
    def test_the_locked_page_is_in_the_admins_look(self, curator):
        response = fail_sign_in(browser(), curator.username, settings.AXES_FAILURE_LIMIT)
        page = response.content.decode()
        assert response.status_code == 429
        # Like every 429, it says when to try again: the cool-off time, in seconds.
        cool_off = settings.AXES_COOLOFF_TIME * 3600
        assert cool_off - 60 < int(response["Retry-After"]) <= cool_off
        assert (
            "Knowledge base — curation" in page
        )  # the admin's header, not "Django administration"
        assert "Django administration" not in page
        assert "admin/css/base.css" in page
        assert "<h1>Too many failed sign-in attempts</h1>" in page

    def test_it_says_when_it_unlocks_who_can_unlock_it_and_links_back(self, curator):
        when = timezone.make_aware(datetime.datetime(2030, 3, 4, 10, 0))
        with time_machine.travel(when, tick=False):
            page = fail_sign_in(
                browser(), curator.username, settings.AXES_FAILURE_LIMIT
            ).content.decode()
        assert "March 4, 2030, 11 a.m." in page
        assert "an Administrator can unlock it" in page
        assert f'href="{LOGIN}?next=%2Fadmin%2F"' in page

    def test_an_unsafe_next_is_not_linked(self, curator):
        client = browser()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = client.post(
                LOGIN,
                {"username": curator.username, "password": "wrong", "next": "https://evil.test/"},
            )
        page = response.content.decode()
        assert "evil.test" not in page
        assert f'href="{LOGIN}"' in page


class TestAdministratorsManageAccounts:
    """An Administrator manages accounts, but cannot make anyone a superuser (themselves
    included), hand out permissions one by one, or change a superuser's account."""

    def test_an_administrator_cannot_raise_themselves_to_superuser(self, client):
        administrator = factories.staff("Administrator")
        client.force_login(administrator)
        url = reverse("admin:auth_user_change", args=[administrator.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="is_superuser"' not in page.content.decode()
        response = submit(client, url, {"is_superuser": "on", "user_permissions": ["1"]})
        assert response.status_code == 302, form_errors(response)
        administrator.refresh_from_db()
        assert not administrator.is_superuser
        assert not administrator.user_permissions.exists()

    def test_an_administrator_cannot_change_a_superusers_account(self, client, admin_user):
        client.force_login(factories.staff("Administrator"))
        url = reverse("admin:auth_user_change", args=[admin_user.pk])
        response = client.post(url, {"username": "taken-over", "is_active": ""})
        assert response.status_code == 403
        admin_user.refresh_from_db()
        assert admin_user.username != "taken-over" and admin_user.is_active

    def test_an_administrator_still_creates_a_contributor(self, client):
        client.force_login(factories.staff("Administrator"))
        response = client.post(
            reverse("admin:auth_user_add"),
            {
                "username": "new-contributor",
                "password1": "a-long-Passphrase-42",
                "password2": "a-long-Passphrase-42",
                "usable_password": "true",
            },
        )
        assert response.status_code == 302, form_errors(response)
        user = get_user_model().objects.get(username="new-contributor")
        user.groups.add(Group.objects.get(name="Contributor"))
        assert not user.is_superuser
