from booking.models import Role


def test_login_page_renders_in_german_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Anmelden" in response.get_data(as_text=True) or "Log in" in response.get_data(as_text=True)


def test_partner_logs_in_and_lands_on_their_requests(client, auth, make):
    partner = make.user(Role.PARTNER)
    response = auth.login(partner)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/requests/")
