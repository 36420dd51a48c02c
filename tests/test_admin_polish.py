"""Small admin fixes curators met in a browser: the styled 403, duplicate source URLs,
"Scheduled for" in lists, breadcrumbs in their bar, and the citations inline's width."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from partnership.models import Order
from partnership.views.errors import permission_denied
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_HEADER = "CaMo — curation"


def member(django_user_model, role):
    user = django_user_model.objects.create_user(
        f"{role.lower()}-{factories.n()}", password="pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return django_user_model.objects.get(pk=user.pk)


def as_role(client, django_user_model, role):
    client.force_login(member(django_user_model, role))
    return client


class TestPermissionDenied:
    def test_a_contributor_deleting_a_record_gets_the_admins_403_saying_why(
        self, client, django_user_model
    ):
        order = factories.make(Order)
        delete = reverse("admin:partnership_order_delete", args=[order.pk])
        as_role(client, django_user_model, "Contributor")
        response = client.get(delete)
        page = response.content.decode()
        assert response.status_code == 403
        assert ADMIN_HEADER in page and "admin/css/base.css" in page
        assert "Only Editors and Administrators can delete records." in page
        assert f'href="{reverse("admin:partnership_order_change", args=[order.pk])}"' in page
        assert f'href="{reverse("admin:index")}"' in page
        assert '<ol class="breadcrumbs">' in page

        response = client.post(delete, {"post": "yes"})
        assert response.status_code == 403
        assert Order.objects.filter(pk=order.pk).exists()

    def test_an_editor_may_still_delete(self, client, django_user_model):
        order = factories.make(Order)
        as_role(client, django_user_model, "Editor")
        response = client.get(reverse("admin:partnership_order_delete", args=[order.pk]))
        assert response.status_code == 200

    def test_the_exceptions_message_is_the_reason_given(self, client, django_user_model):
        as_role(client, django_user_model, "Editor")
        response = client.get(reverse("curation:locked-accounts"))
        page = response.content.decode()
        assert response.status_code == 403
        assert "Only Administrators can see and unlock locked accounts." in page
        assert ADMIN_HEADER in page
        assert "Back to the record" not in page

    def test_public_pages_keep_their_own_403(self):
        request = RequestFactory().get("/fr/systems/")
        response = permission_denied(request, PermissionDenied("no"))
        assert response.status_code == 403
        assert ADMIN_HEADER not in response.content.decode()
