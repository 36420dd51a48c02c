from django.urls import path

from . import views
from .models import RECORD_TYPES

app_name = "partnership"

urlpatterns = [
    path("", views.home, name="home"),
    *(
        path(
            f"{name}/<slug:slug>/",
            views.RecordDetailView.as_view(model=model),
            name=name,
        )
        for name, model in RECORD_TYPES.items()
    ),
]
