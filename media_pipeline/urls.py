from django.urls import path

from .views.files import media_file

app_name = "media_files"

urlpatterns = [
    path("<int:asset_id>/<path:relative>", media_file, name="file"),
]
