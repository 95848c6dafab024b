"""A tus 1.0 resumable upload server for the media library.

Producers' browsers and scripts send large originals here in chunks that
survive broken connections. The pieces:

- ``staging``: uploads in progress on local disk (state, locks, appends with
  checksum verification, expiry and ``uploads_expire()`` for periodic clean-up);
- ``auth``: session or API-token authentication and the permission check;
- ``services``: handing a complete upload to the asset service;
- ``views`` and ``urls``: the HTTP protocol (core, creation, checksum,
  termination and expiration extensions).
"""
