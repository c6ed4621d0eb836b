"""Promotion settings: validation messages, schedule previews, and the form kept in metadata."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import nbformat
import pytest

from jupyter_promote.expectations import MetadataError, NewerMetadataError
from jupyter_promote.release.form import read_promotion, write_promotion
from jupyter_promote.release.schedule import (
    cron_problem,
    describe_schedule,
    next_runs,
    sla_deadline_text,
)
from jupyter_promote.release.settings import PromotionInvalid, PromotionSettings, validate_settings
from nbbuild import make_nb

NY = ZoneInfo("America/New_York")
BASE = {"name": "loan-allocation", "owner": "ana@example.com"}


def problems(**changes):
    data = {**BASE, **changes}
    with pytest.raises(PromotionInvalid) as info:
        validate_settings({k: v for k, v in data.items() if v is not ...})
    assert info.value.http_status == 422
    return info.value.problems


def settings(**changes):
    return validate_settings({**BASE, **changes})


# -- validation ----------------------------------------------------------------------------------


def test_valid_settings_are_normalized():
    s = settings(owner="  ana@example.com ", schedule=" 0  6 * * 1-5 ", sla="9:30", reads=[" a "])
    assert (s.owner, s.schedule, s.sla, s.reads) == (
        "ana@example.com",
        "0 6 * * 1-5",
        "09:30",
        ["a"],
    )
    assert settings(schedule="", sla="").schedule is None
    assert settings(owner="ana").owner == "ana"


@pytest.mark.parametrize("owner", [..., "", "   "])
def test_owner_is_required(owner):
    assert problems(owner=owner) == [
        "owner: is required; pass --owner you@example.com "
        "(the person who answers for this pipeline)"
    ]


def test_owner_with_at_must_be_an_email():
    assert problems(owner="ana@example") == [
        'owner: "ana@example" is not an e-mail address; write it as name@example.com, '
        "or give a user name without @"
    ]


def test_name_must_be_a_slug_and_the_fix_suggests_one():
    assert problems(name="Loan Allocation") == [
        'name: "Loan Allocation" is not a valid name; use lowercase letters, digits and '
        'dashes, e.g. "loan-allocation"'
    ]
    assert problems(name=...)[0].startswith("name: is required; pass --name my-pipeline")


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        (
            "0 6 * * 8",
            '"0 6 * * 8" is not a valid cron expression (day of week must be 0-6 / MON-SUN)',
        ),
        ("61 6 * * *", "(minute must be 0-59)"),
        ("0 24 * * *", "(hour must be 0-23)"),
        ("0 6 32 * *", "(day of month must be 1-31)"),
        ("0 6 1 13 *", "(month must be 1-12 / JAN-DEC)"),
        ("0 6 * *", '"0 6 * *" has 4 fields, not 5'),
        ("0 0 6 * * 1", '"0 0 6 * * 1" has 6 fields, not 5'),
        ("@daily", '"@daily" is a nickname; write it as 5 fields: "0 0 * * *"'),
        ("0 6 30 2 *", '"0 6 30 2 *" never runs (no such date)'),
    ],
)
def test_bad_cron_expressions(cron, fragment):
    (problem,) = problems(schedule=cron)
    assert problem.startswith("schedule: ")
    assert fragment in problem


def test_cron_fix_shows_the_field_order():
    assert cron_problem("0 6 * * 8").endswith(
        'write minute hour day-of-month month day-of-week, e.g. "0 6 * * 1-5" (06:00 on weekdays)'
    )
    assert cron_problem("0 6 * * MON-FRI") == ""


def test_timezone_did_you_mean():
    assert problems(timezone="America/New_Yrok") == [
        'timezone: unknown timezone "America/New_Yrok" (did you mean "America/New_York"?); '
        'use an IANA name such as "Europe/London" or "UTC"'
    ]
    assert '(did you mean "Europe/London"?)' in problems(timezone="europe/london")[0]
    assert "did you mean" not in problems(timezone="Nowhere/Qqqqqq")[0]


@pytest.mark.parametrize("sla", ["5pm", "24:00", "17:60", "1700"])
def test_sla_must_be_hh_mm(sla):
    assert problems(sla=sla) == [f'sla: "{sla}" is not a time; write HH:MM, e.g. 17:00']


@pytest.mark.parametrize("notify", ["", "ops@bank.example", "block:risk-slack"])
def test_notify_takes_an_email_or_a_block_reference(notify):
    assert settings(notify=notify).notify == notify


def test_notify_refuses_a_webhook_url_that_would_put_its_secret_in_the_release():
    hook = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"
    [problem] = problems(notify=hook)
    assert problem.startswith("notify: is a URL; a webhook URL carries its secret")
    assert '"block:BLOCK-NAME"' in problem
    assert problems(notify="#risk-alerts") == [
        'notify: "#risk-alerts" is not an e-mail address or "block:BLOCK-NAME" (a Prefect'
        " notification block)"
    ]


def test_tier_must_be_known():
    assert problems(tier="urgent") == ['tier: "urgent" is not one of critical, high, normal, low']


def test_schedule_and_interval_are_exclusive():
    assert problems(schedule="0 6 * * *", interval_seconds=60) == [
        "schedule, interval_seconds: both are set; keep one (a cron schedule for calendar "
        "times, interval_seconds for a fixed period)"
    ]


@pytest.mark.parametrize("seconds", [0, -5])
def test_interval_must_be_positive(seconds):
    assert problems(interval_seconds=seconds) == [
        f"interval_seconds: {seconds} is not a positive number of seconds; write 1 or more, "
        "e.g. 3600 to run hourly"
    ]


def test_empty_list_items():
    assert problems(consumers=["risk", " "]) == [
        "consumers: item 2 is empty; remove it or fill it in"
    ]
    assert problems(writes=["", "t", ""]) == [
        "writes: items 1, 3 are empty; remove them or fill them in"
    ]


def test_unknown_setting_and_wrong_type():
    assert problems(schedulle="0 6 * * *") == [
        'schedulle: is not a promotion setting; did you mean "schedule"?'
    ]
    (problem,) = problems(interval_seconds="often")
    assert problem.startswith("interval_seconds: input should be a valid integer")
    assert "(got 'often')" in problem


def test_every_problem_is_listed_in_one_error():
    with pytest.raises(PromotionInvalid) as info:
        validate_settings(
            {
                "name": "Loan Allocation",
                "schedule": "0 6 * * 8",
                "timezone": "Mars/Base",
                "sla": "5pm",
                "tier": "urgent",
            }
        )
    fields = [p.split(":")[0] for p in info.value.problems]
    assert fields == ["name", "owner", "schedule", "timezone", "sla", "tier"]
    text = info.value.render()
    assert text.startswith("the promotion settings have 6 problems:\n  - name: ")
    assert info.value.to_dict()["problems"] == info.value.problems


# -- schedule preview ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 6 * * 1-5", "at 06:00, Monday to Friday, America/New_York"),
        ("30 17 * * *", "at 17:30, America/New_York"),
        ("*/15 * * * *", "every 15 minutes, America/New_York"),
        ("0 0 1 * *", "at 00:00, on day 1 of the month, America/New_York"),
    ],
)
def test_describe_cron(cron, expected):
    assert describe_schedule(settings(schedule=cron, timezone="America/New_York")) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (30, "every 30 seconds"),
        (60, "every minute"),
        (300, "every 5 minutes"),
        (7200, "every 2 hours"),
        (86400, "every day"),
        (90, "every 90 seconds"),
    ],
)
def test_describe_interval(seconds, expected):
    assert describe_schedule(settings(interval_seconds=seconds)) == expected


def test_describe_no_schedule_and_sla():
    s = settings(timezone="America/New_York", sla="17:00")
    assert describe_schedule(s) == "not scheduled (runs only when started by hand)"
    assert sla_deadline_text(s) == "ready by 17:00 America/New_York"
    assert sla_deadline_text(settings()) == "no deadline"
    assert next_runs(s) == []


def test_next_runs_cron_weekdays():
    s = settings(schedule="0 6 * * 1-5", timezone="America/New_York")
    runs = next_runs(s, after=datetime(2026, 11, 24, 12, 0, tzinfo=NY))
    assert runs == [datetime(2026, 11, d, 6, 0, tzinfo=NY) for d in (25, 26, 27)]
    assert all(r.tzinfo == NY for r in runs)
    # a Friday afternoon skips the weekend; a naive `after` is read in the settings' timezone
    assert next_runs(s, count=1, after=datetime(2026, 11, 27, 12, 0)) == [
        datetime(2026, 11, 30, 6, 0, tzinfo=NY)
    ]


def test_next_runs_converts_after_into_the_settings_timezone():
    s = settings(schedule="0 6 * * *", timezone="America/New_York")
    after = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("UTC"))  # 05:00 in New York
    assert next_runs(s, count=1, after=after) == [datetime(2026, 6, 1, 6, 0, tzinfo=NY)]


def test_next_runs_across_dst_keep_local_time():
    s = settings(schedule="0 6 * * *", timezone="America/New_York")
    fall = next_runs(s, after=datetime(2026, 10, 31, 0, 0, tzinfo=NY))  # DST ends 11-01
    assert [r.isoformat() for r in fall] == [
        "2026-10-31T06:00:00-04:00",
        "2026-11-01T06:00:00-05:00",
        "2026-11-02T06:00:00-05:00",
    ]
    spring = next_runs(s, count=2, after=datetime(2026, 3, 7, 12, 0, tzinfo=NY))  # begins 03-08
    assert [r.isoformat() for r in spring] == [
        "2026-03-08T06:00:00-04:00",
        "2026-03-09T06:00:00-04:00",
    ]


def test_next_runs_interval():
    s = settings(interval_seconds=1800, timezone="Europe/London")
    after = datetime(2026, 1, 5, 8, 10, tzinfo=ZoneInfo("Europe/London"))
    assert next_runs(s, count=3, after=after) == [
        after + timedelta(minutes=30 * k) for k in (1, 2, 3)
    ]
    assert all(r.tzinfo == ZoneInfo("Europe/London") for r in next_runs(s, after=after))


def test_next_runs_defaults_to_now():
    s = settings(interval_seconds=60)
    (run,) = next_runs(s, count=1)
    assert timedelta(0) < run - datetime.now(ZoneInfo("UTC")) <= timedelta(seconds=60)


# -- the last form in the notebook ---------------------------------------------------------------


def full_settings():
    return settings(
        team="risk",
        schedule="0 6 * * 1-5",
        timezone="America/New_York",
        sla="17:00",
        tier="critical",
        consumers=["regulatory-report"],
        reads=["s3://raw/loans.csv"],
        writes=["warehouse.allocations"],
        work_pool="process-pool",
        notify="block:risk-alerts",
    )


def test_round_trip_through_a_saved_notebook():
    nb = make_nb(("step:load", "x = 1"))
    nb.metadata["jupyter_promote"] = {"schema_version": 1, "expectations": {"load": {}}}
    assert read_promotion(nb) is None
    write_promotion(nb, full_settings())
    again = nbformat.reads(nbformat.writes(nb), as_version=4)
    assert read_promotion(again) == full_settings()
    ns = again.metadata["jupyter_promote"]
    assert ns["expectations"] == {"load": {}} and ns["schema_version"] == 1
    assert ns["promotion"]["sla"] == "17:00" and ns["promotion"]["interval_seconds"] is None


def test_write_adds_the_namespace_and_overwrites_the_last_form():
    nb = make_nb("x = 1")
    write_promotion(nb, settings())
    write_promotion(nb, full_settings())
    assert nb.metadata["jupyter_promote"]["schema_version"] == 1
    assert read_promotion(nb) == full_settings()
    assert read_promotion({"metadata": {}}) is None


def test_newer_metadata_is_left_alone():
    nb = make_nb("x = 1")
    nb.metadata["jupyter_promote"] = {"schema_version": 2, "future": True}
    with pytest.raises(NewerMetadataError):
        write_promotion(nb, settings())
    with pytest.raises(NewerMetadataError):
        read_promotion(nb)
    assert nb.metadata["jupyter_promote"] == {"schema_version": 2, "future": True}


def test_an_invalid_saved_form_names_its_path():
    nb = make_nb("x = 1")
    nb.metadata["jupyter_promote"] = {"promotion": {**BASE, "tier": "urgent"}}
    with pytest.raises(MetadataError) as info:
        read_promotion(nb)
    assert info.value.message == (
        'metadata.jupyter_promote.promotion: tier: "urgent" is not one of critical, high, '
        "normal, low"
    )


def test_settings_model_rejects_bad_values_directly():
    with pytest.raises(ValueError, match="is not one of critical"):
        PromotionSettings(name="a", owner="b", tier="urgent")
