import pytest
from gate_models import biased_report, fair_report


@pytest.fixture(scope="session")
def biased_audit():
    return biased_report()


@pytest.fixture(scope="session")
def fair_audit():
    return fair_report()
