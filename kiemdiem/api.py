"""The JSON API (django-ninja): one router per app, mounted here; each is scoped like the pages."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

from kiemdiem.campaigns import api as campaigns_api
from kiemdiem.followup import api as followup_api
from kiemdiem.imports import api as imports_api
from kiemdiem.orgs import api as orgs_api
from kiemdiem.reports import api as reports_api

api = NinjaAPI(title="kiemdiem API", version="1", urls_namespace="api", auth=django_auth)

api.add_router("/units", orgs_api.units)
api.add_router("/persons", orgs_api.persons)
api.add_router("/cycles", campaigns_api.cycles)
api.add_router("/rules", campaigns_api.rules_router)
api.add_router("/followup", followup_api.router)
api.add_router("/reports", reports_api.router)
api.add_router("/imports", imports_api.router)
