from django.urls import path

from . import views

app_name = "partnership"

urlpatterns = [
    path("", views.home, name="home"),
    *(
        path(
            f"{name}/<slug:slug>/",
            views.RecordDetailView.as_view(model=model),
            name=name,
        )
        for name, model in views.DETAIL_MODELS.items()
    ),
]
