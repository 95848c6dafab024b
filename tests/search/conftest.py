import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def search_index(django_db_setup, django_db_blocker):
    """The demo, indexed in bulk as ``manage.py update_index`` does, once per
    module (the index is derived data: rebuilding it again changes nothing
    another test could see)."""
    with django_db_blocker.unblock():
        call_command("update_index", verbosity=0)
    return django_db_setup
