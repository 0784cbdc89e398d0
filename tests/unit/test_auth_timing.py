"""A refused login costs the same hashing work whether the address has an account or not
(issue 11, finding 8). Counted, not timed: timings belong in `make bench`."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from overleg.auth import services
from overleg.extensions import db
from tests import factories


class CountingHasher(PasswordHasher):
    """argon2id, really hashing, that counts how often it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("kind", ["unknown", "inactive", "wrong password"])
def test_every_refusal_verifies_one_hash(app, kind):
    user = factories.UserFactory(email="known@example.be")
    if kind == "inactive":
        user.active = False
    db.session.commit()
    hasher = CountingHasher()
    email = "nobody@example.be" if kind == "unknown" else "known@example.be"
    with pytest.raises(services.LoginRefused):
        services.authenticate(
            email, "not the password", "192.0.2.1", hasher, services.LoginPolicy()
        )
    assert hasher.verified == 1


def test_the_stand_in_hash_has_the_hashers_own_cost():
    hasher = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    stand_in = services._stand_in_hash(2, 16, 1)
    assert "m=16,t=2,p=1" in stand_in
    assert not services.credentials_match(None, "anything", hasher)
