"""The central frameworks survive a flush (a transactional test's end): worksteal may hand a worker a test that
reads them after one."""

import pytest
from django.core.management import call_command

from kiemdiem.assessments.models import Appendix, FrameworkVersion


@pytest.mark.django_db(transaction=True)
def test_a_flush_writes_the_central_frameworks_again():
    call_command("flush", interactive=False, verbosity=0)
    assert FrameworkVersion.objects.filter(unit__isnull=True, number=1).count() == len(Appendix.values)
