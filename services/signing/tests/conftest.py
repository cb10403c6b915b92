"""Fixtures for the signing service tests.

Card fixtures (test PKI, simulated card in a PC/SC reader) live in ``signing.testing`` so other
suites can reuse them: ``from signing.testing import ...``.
"""

from __future__ import annotations

import pytest

from signing.testing import pcsc_available_or_skip, running_card
from signing.testpki import create_test_pki


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    """A default JPKI-shaped test PKI, shared by the whole session (read-only use)."""
    return create_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def card_in_reader(test_pki):
    """Factory: ``with card_in_reader("valid-nguyen") as card:`` -> a card in a vpcd reader."""
    pcsc_available_or_skip()

    def factory(holder=None, pki=None):
        return running_card(pki or test_pki, holder)

    return factory
