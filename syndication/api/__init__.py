"""The partner API (django-ninja), mounted at /api/partner/v1/.

``api.py`` declares the endpoints, ``auth.py`` the key check and rate limit,
``listing.py`` the items query and its cursor, ``conditional.py`` ETags, and
``fetches.py`` the record of every fetch.
"""
