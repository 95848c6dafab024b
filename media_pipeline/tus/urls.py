from django.urls import path

from .views import UploadCreateView, UploadView

app_name = "tus"

urlpatterns = [
    path("", UploadCreateView.as_view(), name="create"),
    # The id is checked strictly in the view (uuid4 hex) before it names a file.
    path("<str:upload_id>/", UploadView.as_view(), name="upload"),
]
