from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import datapackage, deliveries, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False
for name, viewset in views.EXPORTS.items():
    router.register(
        {"person": "people", "activity": "activities", "country": "countries"}.get(
            name, f"{name}s"
        ),
        viewset,
        basename=name,
    )
router.register("deliveries", deliveries.DeliveryViewSet, basename="delivery")

urlpatterns = [
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("timeline/timelinejs/", views.TimelineJSView.as_view(), name="timelinejs"),
    path("datapackage.json", datapackage.DataPackageView.as_view(), name="datapackage"),
    path("", include(router.urls)),
]
