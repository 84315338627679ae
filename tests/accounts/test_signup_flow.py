from urllib.parse import urlsplit

from sqlalchemy import select

from coop.accounts.models import User
from coop.extensions import db
from tests.mailcapture import links_in

PASSWORD = "tulpen in de vensterbank"


def test_signup_verify_login(client, mailbox):
    response = client.post(
        "/account/signup",
        data={"name": "Anna Jansen", "email": "Anna@Example.test", "password": PASSWORD},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "anna@example.test"))
    assert user is not None
    assert not user.is_verified

    link = links_in(mailbox.last_to("anna@example.test"))[0]
    assert client.get(urlsplit(link).path).status_code == 302
    db.session.refresh(user)
    assert user.is_verified

    response = client.post(
        "/account/login", data={"email": "anna@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
