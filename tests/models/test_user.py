"""The User model: email normalization and password checking."""

from __future__ import annotations

import pytest

from server.models.user import User, normalize_email
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("Ada@Example.COM", "ada@example.com"), ("  bob@example.com\n", "bob@example.com")],
)
def test_normalize_email(raw, stored):
    assert normalize_email(raw) == stored


async def test_check_password(make_user, app):
    user = await make_user()
    hasher = app.extensions["password_hasher"]
    assert await user.check_password(PASSWORD, hasher)
    assert not await user.check_password(PASSWORD + "!", hasher)


async def test_a_corrupt_hash_never_matches(make_user, app):
    user = await make_user()
    user.password_hash = "not-a-hash"
    assert not await user.check_password(PASSWORD, app.extensions["password_hasher"])


async def test_same_password_hashes_differently(make_user):
    first, second = await make_user(), await make_user()
    assert first.password_hash != second.password_hash
    assert await User.all().count() == 2
