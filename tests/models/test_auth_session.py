"""AuthSession: fresh random ids, lifetimes and revocation."""

from __future__ import annotations

from datetime import timedelta

from server.models.auth_session import AuthSession, utc_now

IDLE = timedelta(hours=1)


async def test_issue_gives_a_long_random_id(make_user):
    user = await make_user()
    first = await AuthSession.issue(user, remember=False, lifetime=timedelta(hours=2))
    second = await AuthSession.issue(user, remember=False, lifetime=timedelta(hours=2))
    assert first.auth_id != second.auth_id
    assert len(first.auth_id) >= 43  # 256 bits in URL-safe base64


async def test_activity_rules(make_user):
    session = await AuthSession.issue(await make_user(), remember=True, lifetime=timedelta(days=1))
    now = utc_now()
    assert session.is_active(now, IDLE)
    assert not session.is_active(now + IDLE, IDLE)  # idle too long
    session.last_seen_at = now + timedelta(days=1)
    assert not session.is_active(now + timedelta(days=1, seconds=1), IDLE)  # past its lifetime
    await session.revoke()
    assert not session.is_active(now, IDLE)


async def test_revoke_all_keeps_the_named_session(make_user):
    user = await make_user()
    kept, *others = [
        await AuthSession.issue(user, remember=False, lifetime=timedelta(hours=1)) for _ in range(3)
    ]
    assert await AuthSession.revoke_all(user, keep_auth_id=kept.auth_id) == 2
    live = await AuthSession.filter(user=user, revoked_at__isnull=True)
    assert [session.auth_id for session in live] == [kept.auth_id]


async def test_a_new_login_drops_the_users_expired_sessions(make_user):
    user = await make_user()
    old = await AuthSession.issue(user, remember=False, lifetime=timedelta(hours=1))
    await AuthSession.filter(id=old.id).update(expires_at=utc_now() - timedelta(seconds=1))
    new = await AuthSession.issue(user, remember=False, lifetime=timedelta(hours=1))
    assert [session.id for session in await AuthSession.filter(user=user)] == [new.id]


async def test_active_auth_ids_agree_with_the_activity_rules(make_user):
    user = await make_user()
    live, revoked, expired = [
        await AuthSession.issue(user, remember=False, lifetime=timedelta(hours=1)) for _ in range(3)
    ]
    await revoked.revoke()
    await AuthSession.filter(id=expired.id).update(expires_at=utc_now() - timedelta(seconds=1))
    ids = {session.auth_id for session in (live, revoked, expired)} | {"never-issued"}
    assert await AuthSession.active_auth_ids(ids, utc_now(), IDLE) == {live.auth_id}
    assert await AuthSession.active_auth_ids(ids, utc_now() + IDLE, IDLE) == set()  # idle


async def test_a_session_ends_at_its_lifetime_or_sooner_when_idle(make_user):
    session = await AuthSession.issue(await make_user(), remember=True, lifetime=timedelta(days=1))
    assert session.ends_at(IDLE) == session.last_seen_at + IDLE
    assert session.ends_at(timedelta(days=2)) == session.expires_at
