from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kiemdiem.assessments"
    verbose_name = "Khung tiêu chí, chấm điểm, danh mục nhiệm vụ"

    def ready(self) -> None:
        # Campaigns declares the hooks and never imports this app (STYLE.md: directions).
        from kiemdiem.assessments import actions, queries
        from kiemdiem.campaigns import hooks

        if actions.on_cycle_opened not in hooks.cycle_opened:
            hooks.cycle_opened.append(actions.on_cycle_opened)
            hooks.computed_facts.append(actions.computed_fact_keys)
            hooks.derived_facts.append(queries.derived_leader_facts)
