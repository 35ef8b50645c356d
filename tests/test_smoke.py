def test_ping_answers_without_auth(client):
    response = client.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json["ok"] is True
    assert response.json["time"].endswith("Z")


def test_me_returns_the_token_owner(client, make_user):
    user, headers = make_user("inspector")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.json["username"] == user.username
    assert response.json["roles"] == ["inspector"]
