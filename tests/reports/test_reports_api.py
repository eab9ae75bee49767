"""The JSON API of the reports: statistics, evaluations and submissions, scoped like the pages."""

import json

from kiemdiem.campaigns.models import Evaluation
from kiemdiem.reports.actions import do_submit_report
from kiemdiem.reports.models import ReportSubmission


def _get(client, url: str, **params):  # type: ignore[no-untyped-def]
    return client.get(url, params)


def test_the_statistics_endpoint_returns_the_forms_rolled_up(client, world, rated, district_officer):
    client.force_login(district_officer)
    response = _get(client, "/api/reports/statistics", cycle=rated.cycle.pk, unit=world.na_hang.pk)
    assert response.status_code == 200
    data = response.json()
    members = next(f for f in data["forms"] if f["code"] == "B")["total"]
    assert (
        members["HTT"]
        == Evaluation.objects.filter(
            cycle=rated.cycle,
            subject_type="party_member",
            decided_rating="HTT",
            unit__path__startswith=world.na_hang.path,
        ).count()
    )
    assert [c["name"] for c in data["children"] if not c["is_own"]] == [
        "Đảng bộ thị trấn Na Hang",
        "Ủy ban nhân dân huyện Na Hang",
    ]


def test_the_evaluations_endpoint_lists_decided_ratings_in_pages(client, world, rated, district_officer):
    client.force_login(district_officer)
    data = _get(
        client, "/api/reports/evaluations", cycle=rated.cycle.pk, unit=world.na_hang.pk, limit=5
    ).json()
    total = Evaluation.objects.filter(cycle=rated.cycle, unit__path__startswith=world.na_hang.path).count()
    assert data["count"] == total and len(data["items"]) == 5
    everything = _get(client, "/api/reports/evaluations", cycle=rated.cycle.pk, unit=world.na_hang.pk).json()
    ratings = [item["decided_rating"] for item in everything["items"]]
    assert ratings.count("HTXS") == 2 and ratings.count("HTT") == 11
    assert {item["unit_id"] for item in everything["items"]} <= {
        world.na_hang.pk,
        world.go_na_hang.pk,
        world.cell_na_hang.pk,
        world.agency_na_hang.pk,
    }


def test_an_outsider_gets_404_from_every_endpoint(client, world, rated, district_officer, outsider):
    sub = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang)
    client.force_login(outsider)
    for url in ("/api/reports/statistics", "/api/reports/evaluations", "/api/reports/submissions"):
        response = _get(client, url, cycle=rated.cycle.pk, unit=world.na_hang.pk)
        assert response.status_code == 404, url
        assert "Na Hang" not in response.content.decode()
    assert client.get(f"/api/reports/submissions/{sub.pk}").status_code == 404


def test_submitting_through_the_api_supersedes_and_lists_the_status(client, world, rated, district_officer):
    client.force_login(district_officer)
    body = {"cycle": rated.cycle.pk, "unit": world.go_na_hang.pk, "number": "12"}
    first = client.post("/api/reports/submissions", json.dumps(body), content_type="application/json")
    assert first.status_code == 201, first.content
    second = client.post("/api/reports/submissions", json.dumps(body), content_type="application/json")
    assert second.status_code == 201
    assert ReportSubmission.objects.get(pk=first.json()["id"]).superseded_by_id == second.json()["id"]
    status = _get(client, "/api/reports/submissions", cycle=rated.cycle.pk, unit=world.na_hang.pk).json()[
        "items"
    ]
    assert [(s["unit_name"], s["status"]) for s in status] == [("Đảng bộ thị trấn Na Hang", "late")]
    detail = client.get(f"/api/reports/submissions/{second.json()['id']}").json()
    assert next(f for f in detail["figures"]["forms"] if f["code"] == "B")["total"]["HTT"] == 10


def test_an_inspector_cannot_submit_through_the_api(client, world, rated, inspector):
    client.force_login(inspector)
    body = {"cycle": rated.cycle.pk, "unit": world.na_hang.pk}
    response = client.post("/api/reports/submissions", json.dumps(body), content_type="application/json")
    assert response.status_code == 403 and not ReportSubmission.objects.exists()


def test_an_out_of_range_id_is_refused_not_a_server_error(client, world, district_officer):
    client.force_login(district_officer)
    assert _get(client, "/api/reports/statistics", cycle=2**40, unit=1).status_code == 422
    assert client.get(f"/api/reports/submissions/{2**40}").status_code == 404


def test_the_api_needs_a_login(client, world):
    assert _get(client, "/api/reports/statistics", cycle=1, unit=1).status_code == 401


def test_the_endpoints_are_in_the_openapi_docs(client, world, district_officer):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/reports/statistics", "/api/reports/evaluations", "/api/reports/submissions"} <= set(paths)
