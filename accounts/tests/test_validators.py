from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.validators import PortalPasswordValidator


@pytest.mark.parametrize(
    ("password", "code", "message"),
    [
        ("Sh0rt!pass", "password_too_short", "at least 12 characters long"),
        ("Has space-in-it42", "password_has_whitespace", "must not contain spaces"),
        (" Leading-space-42", "password_has_whitespace", "must not contain spaces"),
        ("Trailing-space-42 ", "password_has_whitespace", "must not contain spaces"),
        ("Tab\there-Password42", "password_has_whitespace", "must not contain spaces"),
        ("no-upper-case-42!", "password_no_upper", "uppercase letter"),
        ("NO-LOWER-CASE-42!", "password_no_lower", "lowercase letter"),
        ("No-Digits-At-All!", "password_no_digit", "a number"),
        ("NoSymbolsAtAll42", "password_no_symbol", "a symbol"),
    ],
)
def test_each_clause_of_the_password_rule_is_rejected_with_its_own_message(password, code, message):
    with pytest.raises(ValidationError) as excinfo:
        PortalPasswordValidator().validate(password)

    assert [error.code for error in excinfo.value.error_list] == [code]
    assert message in excinfo.value.messages[0]


def test_a_password_breaking_several_clauses_lists_every_problem():
    with pytest.raises(ValidationError) as excinfo:
        PortalPasswordValidator().validate("abc")

    assert {e.code for e in excinfo.value.error_list} == {
        "password_too_short",
        "password_no_upper",
        "password_no_digit",
        "password_no_symbol",
    }


def test_a_password_meeting_the_rule_is_accepted():
    PortalPasswordValidator().validate("Correct-Horse-42!")
    PortalPasswordValidator().validate("Éléphant-Rose-2026€")


@pytest.mark.django_db
def test_common_and_user_similar_passwords_are_rejected_by_the_full_validator_chain():
    user = UserFactory.build(email="marguerite.duras@press.example", first_name="Marguerite")

    with pytest.raises(ValidationError, match="too similar"):
        validate_password("Marguerite.Duras1", user=user)


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = UserFactory()

    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_a_hash_made_with_djangos_default_argon2_parameters_still_verifies_and_is_upgraded():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    user = UserFactory()
    user.password = Argon2PasswordHasher().encode(DEFAULT_PASSWORD, "legacysaltvalue1")
    user.save()

    assert user.check_password(DEFAULT_PASSWORD)  # check_password re-hashes on success
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password


@pytest.mark.django_db
def test_registration_rejects_a_password_with_a_leading_space_instead_of_stripping_it(register):
    from accounts.models import User

    response = register(password1=" Correct-Horse-42!", password2=" Correct-Horse-42!")

    assert response.status_code == 200
    assert "must not contain spaces" in response.content.decode()
    assert not User.objects.exists()


def test_an_absurdly_long_password_is_refused_before_any_other_check():
    with pytest.raises(ValidationError) as excinfo:
        PortalPasswordValidator().validate("Aa1!" * 10_000)

    assert [e.code for e in excinfo.value.error_list] == ["password_too_long"]


@pytest.mark.django_db
def test_login_refuses_a_huge_password_without_hashing_it(client, monkeypatch):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    user = UserFactory()

    def must_not_hash(*args, **kwargs):
        raise AssertionError("hashed a 100 kB password")

    monkeypatch.setattr(Argon2PasswordHasher, "encode", must_not_hash)
    monkeypatch.setattr(Argon2PasswordHasher, "verify", must_not_hash)

    response = client.post("/accounts/login/", {"login": user.email, "password": "A" * 100_000})

    assert response.status_code == 200
    assert "at most 256 characters" in response.content.decode()
