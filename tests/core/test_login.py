import re

from shequ.core.models import AuditEntry, User
from tests.conftest import PASSWORD, SentTexts


def test_staff_passwords_are_hashed_with_argon2(alice):
    assert User.objects.get(pk=alice.pk).password.startswith("argon2")


def test_staff_sign_in_with_user_name_and_password(client, alice):
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain == [("/desk/", 302)]


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    response = client.get("/population/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_repeated_wrong_passwords_are_rate_limited(client, alice):
    statuses = [client.post("/login/", {"username": "alice", "password": "wrong"}).status_code for _ in range(12)]
    assert 429 in statuses
    assert statuses[0] == 200


def test_a_resident_signs_in_with_a_code_texted_to_her_phone(client, resident, texts):
    client.post("/login/resident/", {"step": "phone", "phone": "138 1234 5678"})
    (phone, text), = texts
    assert phone == "13812345678"
    code = re.search(r"\d{6}", text).group()
    response = client.post("/login/resident/", {"step": "code", "phone": "13812345678", "code": code})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(event="core.login_code_used", object_id=str(resident.pk)).exists()


def test_an_unknown_number_gets_the_same_answer_and_no_text(client, org, texts):
    response = client.post("/login/resident/", {"step": "phone", "phone": "13900000000"})
    assert response.status_code == 200
    assert texts == []


def _texted_code(texts: SentTexts) -> str:
    _phone, text = texts[-1]
    return re.search(r"\d{6}", text).group()


def test_a_code_stops_working_after_five_wrong_guesses(resident, texts):
    from shequ.core import actions

    actions.send_login_code(phone="13812345678")
    code = _texted_code(texts)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert actions.use_login_code(phone="13812345678", code=wrong) is None
    assert actions.use_login_code(phone="13812345678", code=code) is None


def test_a_code_works_only_once(resident, texts):
    from shequ.core import actions

    actions.send_login_code(phone="13812345678")
    code = _texted_code(texts)
    assert actions.use_login_code(phone="13812345678", code=code) == resident
    assert actions.use_login_code(phone="13812345678", code=code) is None
