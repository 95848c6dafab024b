"""Public URLs of the brand library, included at /brand/ by cms/urls.py.

Each views module owns its own routes; they are gathered here.
"""

from .views import assets, files, kits, licences

app_name = "brand_assets"
urlpatterns = [
    *files.urlpatterns,
    *assets.urlpatterns,
    *licences.urlpatterns,
    *kits.urlpatterns,
]
