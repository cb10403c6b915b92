"""zairyu-review's e-COE commands build the service from the environment, like every other command."""

from __future__ import annotations

from review_testkit import DATA_KEY

from review.entrypoints import coe_cli


def test_cancel_coe_reaches_the_database_named_in_the_environment(rt, monkeypatch, capsys):
    # The command once handed the service definition to a look-up by entry-point name and died
    # (ValueError) before reaching the database: cancelling an e-COE was impossible.
    environ = {
        "DATABASE_URL": rt.engine.url.render_as_string(hide_password=False),
        "AMQP_URL": "memory://coe-cli",
        "ZAIRYU_EMBEDDED": "true",
        "ZAIRYU_DATA_KEYS": DATA_KEY,
        "ZAIRYU_SECRET_KEY": "t" * 32,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert coe_cli.main(["cancel-coe", "no-such-document", "--reason", "issued in error"]) == 1
    assert "no such issued, uncancelled document" in capsys.readouterr().err
