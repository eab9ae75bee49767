"""Version 1 of the five appendices of QĐ 366-QĐ/TW Điều 10 (kiemdiem/assessments/seed.py)."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kiemdiem.assessments.seed import load

    load(apps.get_model("assessments", "FrameworkVersion"), apps.get_model("assessments", "Criterion"))


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    version = apps.get_model("assessments", "FrameworkVersion")
    apps.get_model("assessments", "Criterion").objects.filter(version__unit__isnull=True, version__number=1).delete()
    version.objects.filter(unit__isnull=True, number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
