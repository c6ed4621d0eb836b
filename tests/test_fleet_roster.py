"""The team roster (teams.yaml): schema, every problem with its line, lookups."""

from __future__ import annotations

import textwrap

import pytest
from pydantic import BaseModel

from jupyter_promote.fleet import roster as roster_module
from jupyter_promote.fleet.roster import (
    EmailChannel,
    Roster,
    RosterInvalid,
    SlackChannel,
    load_roster,
    parse_roster,
)

VALID = """\
teams:
  - name: capital-markets
    channels:                       # where the team's alerts go
      - {type: slack, url: env:CM_SLACK_WEBHOOK}
      - {type: email, to: cm-oncall@bank.example}
    members:
      - id: ana
        name: Ana López
        email: ana@bank.example
        channels: [{type: email, to: ana@bank.example}]
      - id: ben.k
  - name: risk_2
    channels: [{type: webhook, url: block:risk-alerts}]
    members: [{id: cy, email: Cy@Bank.Example}]
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(RosterInvalid) as caught:
        parse_roster(textwrap.dedent(text))
    return caught.value.problems


def test_a_valid_roster_and_its_lookups():
    roster = parse_roster(VALID)
    assert [team.name for team in roster.teams] == ["capital-markets", "risk_2"]
    cm = roster.team("capital-markets")
    assert cm is not None and cm.channels == [
        SlackChannel(type="slack", url="env:CM_SLACK_WEBHOOK"),
        EmailChannel(type="email", to="cm-oncall@bank.example"),
    ]
    ana = roster.member("ANA@bank.example")
    assert ana is not None and (ana.id, ana.name) == ("ana", "Ana López")
    assert roster.member("Ana") is ana and roster.member("cy@bank.example").id == "cy"
    assert roster.team_of("ben.k") is cm and roster.team_of("nobody") is None
    assert roster.is_member("cy") and not roster.is_member("zoe")
    assert roster.team("nope") is None


def test_load_roster_reads_the_project_file_or_says_there_is_none(tmp_path):
    assert load_roster(tmp_path) is None
    (tmp_path / "teams.yaml").write_text(VALID, encoding="utf-8")
    loaded = load_roster(tmp_path)
    assert isinstance(loaded, Roster) and loaded.is_member("ana")


def test_unknown_field_names_the_field_and_the_allowed_ones():
    assert problems_of("""\
        teams:
          - name: risk
            members:
              - id: ana
                colour: blue
        """) == [
        'teams.yaml line 5 (teams[0].members[0].colour): unknown field "colour"; '
        "allowed fields: id, name, email, channels"
    ]


def test_a_member_in_two_teams_names_both():
    assert problems_of("""\
        teams:
          - name: capital-markets
            members: [{id: ana}]
          - name: risk
            members:
              - id: ana
        """) == [
        'teams.yaml line 6 (teams[1].members[0].id): member id "ana" (team "risk") is already'
        ' used in team "capital-markets" (line 3); give each person one entry, in one team'
    ]


def test_a_raw_webhook_url_is_refused_without_echoing_it():
    secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    problems = problems_of(f"""\
        teams:
          - name: risk
            channels:
              - type: slack
                url: {secret}
        """)
    assert problems == [
        "teams.yaml line 5 (teams[0].channels[0].url): a raw URL here would commit the"
        " webhook's secret to git; put the URL in an environment variable and write"
        ' "env:VAR_NAME", or in a Prefect Secret block and write "block:BLOCK-NAME"'
    ]
    assert "SECRET" not in problems[0]


def test_a_bad_id():
    assert problems_of("""\
        teams:
          - name: risk
            members:
              - id: ana
              - id: Ben
        """) == [
        'teams.yaml line 5 (teams[0].members[1].id): "Ben" is not a valid id; use lowercase'
        " letters, digits, -, _ or ."
    ]


def test_every_problem_is_listed_at_once_in_file_order():
    with pytest.raises(RosterInvalid) as caught:
        parse_roster(
            textwrap.dedent("""\
            teams:
              - name: Capital Markets
                channels:
                  - {type: sms}
                  - {url: env:X}
                  - {type: email}
                  - {type: webhook, url: "env:1BAD"}
                members:
                  - {id: ana, email: ana@bank.example, pager: 555}
              - name: risk
                members:
                  - {id: cy, email: ANA@bank.example}
                  - {id: dee, email: not-an-address}
              - name: risk
            """)
        )
    error = caught.value
    assert error.problems == [
        'teams.yaml line 2 (teams[0].name): "Capital Markets" is not a valid team name; use'
        " lowercase letters, digits, -, _ or .",
        'teams.yaml line 4 (teams[0].channels[0]): "sms" is not a channel type; use one of:'
        " slack, webhook, email",
        'teams.yaml line 5 (teams[0].channels[1]): a channel needs a "type": slack, webhook or'
        " email",
        'teams.yaml line 6 (teams[0].channels[2].to): missing field "to" (fields: type, to)',
        "teams.yaml line 7 (teams[0].channels[3].url): the URL must be named by reference:"
        ' "env:VAR_NAME" (an environment variable) or "block:BLOCK-NAME" (a Prefect Secret'
        " block, lowercase letters, digits and -)",
        'teams.yaml line 9 (teams[0].members[0].pager): unknown field "pager"; allowed fields:'
        " id, name, email, channels",
        'teams.yaml line 12 (teams[1].members[0].email): e-mail "ANA@bank.example" (team'
        ' "risk") is already used in team "Capital Markets" (line 9); give each person one'
        " entry, in one team",
        'teams.yaml line 13 (teams[1].members[1].email): "not-an-address" is not an e-mail address',
        'teams.yaml line 14 (teams[2].name): team "risk" is already defined on line 10; give'
        " each team one entry",
    ]
    assert str(error) == "\n".join(error.problems)
    assert error.http_status == 422
    assert error.to_dict()["problems"] == error.problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", 'teams.yaml line 1: the file is empty; list the teams under "teams:"'),
        ("teams: [\n  {name: a\n", "teams.yaml line 3: not valid YAML (expected ',' or '}', but"
         " got '<stream end>')"),
        ("- a\n- b\n", "teams.yaml line 1: expected a mapping with the fields: teams"),
        ("teams: risk\n", "teams.yaml line 1 (teams): expected a list (items starting with -)"),
        ("owners: []\n", 'teams.yaml line 1 (owners): unknown field "owners"; allowed fields:'
         " teams"),
        ("teams:\n  - name: a\n    name: b\n", 'teams.yaml line 3 (teams[0].name): duplicate key'
         ' "name" (first on line 2); keep one'),
        ("teams:\n  - name: a\n    members: [{id: 7}]\n", "teams.yaml line 3"
         " (teams[0].members[0].id): expected text, got 7"),
    ],
)  # fmt: skip
def test_file_level_problems(text, problem):
    assert problems_of(text)[0] == problem


def test_load_roster_reports_the_file_problems(tmp_path):
    (tmp_path / "teams.yaml").write_text("teams:\n  - name: risk\n    oncall: x\n")
    with pytest.raises(RosterInvalid, match=r"line 3 \(teams\[0\]\.oncall\): unknown field"):
        load_roster(tmp_path)


def test_every_field_is_described():
    models = [
        value
        for value in vars(roster_module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == roster_module.__name__
    ]
    assert len(models) >= 6
    for model in models:
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name}"
