"""The partner API (django-ninja), mounted at /api/partner/v1/: only the
HTTP layer.

``api.py`` declares the endpoints, ``auth.py`` the key check and rate limit,
``urls.py`` mounts them with the routers other apps registered
(``syndication.partner_routers``). What the endpoints use lives beside
syndication's other modules, named for what it is: ``schemas`` (the data
partners read), ``listing`` (the items query and its cursor), ``page_cache``,
``process_cache``, ``prepared_queries``, ``etags`` and ``fetch_records``.
"""
