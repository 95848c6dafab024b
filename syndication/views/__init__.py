"""The syndication app in the Wagtail admin, under the 分发 menu."""
