"""The promotion form: remembered settings overridden by what is given (no server needed)."""

from __future__ import annotations

import nbformat

from jupyter_promote.release.form import write_promotion
from jupyter_promote.release.settings import PromotionSettings
from jupyter_promote.services.promote import settings_for
from nbbuild import make_nb, write_nb


def remembered(tmp_path, **settings):
    nb = make_nb(("step:one", "x = 1"))
    write_promotion(nb, PromotionSettings(name="loans", owner="ana", **settings))
    return write_nb(tmp_path / "n.ipynb", nb)


def test_given_values_override_the_remembered_form(tmp_path):
    path = remembered(tmp_path, schedule="0 6 * * *", tier="high")
    settings = settings_for(path, {"tier": "critical", "team": None, "consumers": []})
    assert (settings.name, settings.owner, settings.tier) == ("loans", "ana", "critical")
    assert settings.schedule == "0 6 * * *"


def test_a_new_cron_replaces_a_remembered_interval_and_back(tmp_path):
    path = remembered(tmp_path, interval_seconds=300)
    cron = settings_for(path, {"schedule": "0 7 * * 1-5"})
    assert (cron.schedule, cron.interval_seconds) == ("0 7 * * 1-5", None)
    nb = nbformat.read(path, as_version=4)
    write_promotion(nb, cron)
    nbformat.write(nb, path)
    interval = settings_for(path, {"interval_seconds": 60})
    assert (interval.schedule, interval.interval_seconds) == (None, 60)


def test_form_defaults_come_from_the_last_promotion_else_start_values(tmp_path):
    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.services.promote import form_defaults

    config = PromoteConfig(project_dir=str(tmp_path), work_pool="risk-pool")
    fresh = write_nb(tmp_path / "Loan Book.ipynb", make_nb(("step:one", "x = 1")))
    values, source = form_defaults(fresh, config, "ana")
    assert source == "new"
    assert values == {
        "name": "loan-book", "owner": "ana", "timezone": "UTC", "tier": "normal",
        "work_pool": "risk-pool",
    }  # fmt: skip
    values, source = form_defaults(remembered(tmp_path, tier="high"), config, "bob")
    assert source == "notebook" and (values["owner"], values["tier"]) == ("ana", "high")


def test_a_first_promotion_gets_the_configured_work_pool(tmp_path):
    path = write_nb(tmp_path / "new.ipynb", make_nb(("step:one", "x = 1")))
    given = {"name": "fresh", "owner": "ana"}
    assert settings_for(path, given, "k8s-pool").work_pool == "k8s-pool"
    assert settings_for(path, {**given, "work_pool": "gpu"}, "k8s-pool").work_pool == "gpu"
    assert settings_for(path, given).work_pool == "jupyter-promote"  # the model's default
    # a remembered form keeps its pool: changing the config does not move existing pipelines
    again = remembered(tmp_path, work_pool="batch")
    assert settings_for(again, {}, "k8s-pool").work_pool == "batch"
