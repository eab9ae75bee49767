from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models.signals import post_migrate


def _seed_frameworks(sender: AppConfig, apps: Apps = global_apps, **kwargs: object) -> None:
    """The central frameworks are rows a migration wrote (0002). A flush (a transactional test's end, `manage.py
    flush`) removes them and then sends post_migrate (without the migration state's apps): write them again, as Django does for content types."""
    from kiemdiem.assessments.seed import load

    try:
        load(apps.get_model("assessments", "FrameworkVersion"), apps.get_model("assessments", "Criterion"))
    except LookupError:  # migrated back to before the frameworks existed
        return


class AssessmentsConfig(AppConfig):
    name = "kiemdiem.assessments"
    verbose_name = "Khung tiêu chí, chấm điểm, danh mục nhiệm vụ"

    def ready(self) -> None:
        # Campaigns declares the hooks and never imports this app (STYLE.md: directions).
        from kiemdiem.assessments import actions, queries
        from kiemdiem.campaigns import hooks

        post_migrate.connect(_seed_frameworks, sender=self, dispatch_uid="kiemdiem.assessments.seed")
        if actions.on_cycle_opened not in hooks.cycle_opened:
            hooks.cycle_opened.append(actions.on_cycle_opened)
            hooks.computed_facts.append(actions.computed_fact_keys)
            hooks.derived_facts.append(queries.derived_leader_facts)
            hooks.derived_reads.append(queries.LEADER_FACTS_READ)
        hooks.register_evaluation_probe(queries.evaluation_probe)
