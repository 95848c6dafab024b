from django.apps import AppConfig


class SearchEngineConfig(AppConfig):
    """Installed for its migrations only: the index table is Wagtail's."""

    name = "search_engine"
    verbose_name = "搜索"
