"""Concurrent attempts on the same plan: exactly one wins, the other gets 409."""
import threading

from tests.helpers import Api, plan_content


def test_two_simultaneous_approvals_of_one_version_advance_once(app, api, users):
    plan = api.as_("sam").new_plan(**plan_content())
    version = plan["version"]
    barrier = threading.Barrier(2)
    results = {}

    def approve(manager):
        client = Api(app.test_client(), users).as_(manager)
        barrier.wait()
        results[manager] = client.fire(plan["id"], "approve", version=version)

    threads = [threading.Thread(target=approve, args=(who,)) for who in ("mia", "max")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(response.status for response in results.values())
    assert statuses == [200, 409], results
    loser = next(r for r in results.values() if r.status == 409)
    current = api.as_("sam").get(f"/plans/{plan['id']}").json
    assert loser.json["details"]["version"] == current["version"]
    assert current["state"] == "approved" and current["approved_version"] == 1
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert [e["outcome"] for e in events] == ["advanced"]
    assert len(api.as_("sam").get(f"/plans/{plan['id']}/versions").json["versions"]) == 1


def test_simultaneous_refusals_on_different_plans_keep_one_unbroken_chain(app, api, users,
                                                                       database_url):
    from tests.helpers import run_cli
    plans = [api.as_("sam").new_plan()["id"] for _ in range(4)]
    barrier = threading.Barrier(len(plans))

    def hammer(plan_id):
        client = Api(app.test_client(), users).as_("max")
        barrier.wait()
        for _ in range(5):
            client.fire(plan_id, "approve")

    threads = [threading.Thread(target=hammer, args=(plan_id,)) for plan_id in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    result = run_cli("audit", "verify", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "20 events verified" in result.stdout
