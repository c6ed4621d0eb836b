"""Secrets scan: what is reported (cell, line, kind, masked excerpt) and what is not."""

import nbformat
import pytest

from jupyter_promote.release.secrets import SecretsFound, scan_notebook, scan_source, secrets_error
from nbbuild import make_nb

# Fake credentials in the formats real ones have; none of them works anywhere.
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret
GITHUB = "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"  # pragma: allowlist secret
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
    "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


def found(nb):
    return [(f.cell_index, f.line, f.kind, f.excerpt) for f in scan_notebook(nb)]


def one(source):
    (finding,) = scan_source(source)
    return finding.kind, finding.excerpt


def test_aws_key_id_and_secret_with_cells_and_lines():
    nb = make_nb(
        ("#md", f'aws_key = "{AWS_KEY_ID}"'),  # markdown: not scanned
        ("parameters", "region = 'eu-west-1'"),
        (
            "step:load",
            'import boto3\n\naws_key = "' + AWS_KEY_ID + '"\n'
            'aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        ),  # pragma: allowlist secret
    )
    assert found(nb) == [
        (2, 3, "AWS Access Key", 'aws_key = "AKIA****************"'),
        (2, 4, "Secret Keyword", 'aws_secret = "wJal************************************"'),
    ]


def test_skip_cells_are_scanned_too():
    nb = make_nb(("step:load", "x = 1"), ("skip", f'token = "{GITHUB}"'))
    assert found(nb) == [
        (1, 1, "GitHub Token", 'token = "ghp_************************************"')
    ]


def test_rsa_private_key_block():
    source = (
        'KEY = """\n-----BEGIN RSA PRIVATE KEY-----\n'  # pragma: allowlist secret
        "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9OiJjRazXBZ1BjP5CE/Wm/Rr500P\n"
        '-----END RSA PRIVATE KEY-----\n"""'
    )
    (finding,) = scan_source(source, cell_index=5)
    assert (finding.cell_index, finding.line, finding.kind) == (5, 2, "Private Key")
    assert finding.render() == "cell 6, line 2: private key in `-----BEGIN RSA PRIVATE KEY-----`"


def test_password_in_a_connection_url():
    assert one(
        'engine = create_engine("postgresql://analyst:s3cr3tP4ss@db.internal:5432/loans")'
    ) == (
        "Basic Auth Credentials",
        'engine = create_engine("postgresql://analyst:s3********@db.internal:5432/loans")',
    )


def test_password_keyword():
    assert one('password = "hunter2-Very-Long-x9!"') == (  # pragma: allowlist secret
        "Secret Keyword",
        'password = "hunt*****************"',
    )
    assert one('conn = connect(host="db", password="Pa55w0rd!2024")')[0] == "Secret Keyword"


def test_jwt():
    kind, excerpt = one(f'headers = {{"jwt": "{JWT}"}}')
    assert kind == "JSON Web Token"
    assert excerpt.startswith('headers = {"jwt": "eyJh****') and JWT[4:] not in excerpt


def test_high_entropy_api_key():
    assert one('api_key = "Zx8kQ2mN7pL4vR9tW3yB6cF1hJ5gD0sA"') == (  # pragma: allowlist secret
        "Secret Keyword",
        'api_key = "Zx8k****************************"',
    )


@pytest.mark.parametrize(
    "source",
    [
        'access_token = "q8Jf2LmZ9xTbR4wN7vK3"',
        'STRIPE_KEY = "q8Jf2LmZ9xTbR4wN7vK3"',
        'key: str = "q8Jf2LmZ9xTbR4wN7vK3"',
        'headers["Authorization"] = "Bearer q8Jf2LmZ9xTbR4wN7vK3jY6"',
        'client = Client(auth_token="q8Jf2LmZ9xTbR4wN7vK3")',
    ],
)
def test_own_rule_catches_what_keywords_miss(source):
    (finding,) = scan_source("%matplotlib inline\n" + source)  # pragma: allowlist secret
    assert (finding.line, finding.kind) == (2, "Secret Assignment")
    assert "q8Jf2LmZ9xTbR4wN7vK3" not in finding.excerpt
    assert finding.render().startswith("cell 1, line 2: hard-coded secret in `")


def test_slack_token():
    assert one('slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"')[0] == (
        "Slack Token"
    )


@pytest.mark.parametrize(
    "source",
    [
        'key = os.environ["API_KEY"]',
        'password = os.getenv("DB_PASSWORD", "")',
        'password = ""',
        'password = "xxx"',
        'password = "changeme"',
        'api_key = "<your-key>"',
        'api_key = "your-api-key-here"',
        'password = "${DB_PASSWORD}"',
        'msg = "The quick brown fox jumps over the lazy dog every single day"',
        'cols = ["customer_id", "loan_amount_usd", "sha256_checksum", "created_at_utc"]',
        'sort_key = "customer_id_v2_2024_final"',
        "password = get_password()",
        'aws_key = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret',
        'access_token = "q8Jf2LmZ9xTbR4wN7vK3"  # pragma: allowlist secret',
        "df = pd.read_csv('s3://bucket/raw/loans.csv')",
        "!pip install pandas==2.2.3",
        "def f(:",  # not Python: detect-secrets still runs, the own rule skips
    ],
)
def test_not_flagged(source):
    assert scan_source(source) == []


def test_markdown_and_list_sources():
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": f'token = "{GITHUB}"'},
            {"cell_type": "code", "source": ["x = 1\n", f'token = "{GITHUB}"']},
        ]
    }
    assert [(f.cell_index, f.line) for f in scan_notebook(nb)] == [(1, 2)]


def test_a_cell_that_reads_as_an_ini_file_is_scanned_as_python():
    # `[1]` then `name = value` lines parse as INI, which detect-secrets' file scan tries first:
    # the comment would be dropped and `os.environ[` reported as a password.
    source = f'[1]\n# aws_key = "{AWS_KEY_ID}"\nsecret_key = os.environ["A"]'
    assert [(f.line, f.kind) for f in scan_source(source)] == [(2, "AWS Access Key")]


def test_the_same_secret_on_two_lines_is_reported_twice():
    source = f'a = "{AWS_KEY_ID}"\nb = "{AWS_KEY_ID}"'
    assert [f.line for f in scan_source(source)] == [1, 2]


def test_non_ascii_text_does_not_hide_a_secret():
    source = f'café = "naïve ✓"\naws_key = "{AWS_KEY_ID}"'
    assert [(f.line, f.kind) for f in scan_source(source)] == [(2, "AWS Access Key")]


def test_secrets_error_names_each_finding_and_the_fix():
    nb = make_nb(
        "import os",
        "x = 1",
        "y = 2",
        ("step:load", 'bucket = "raw"\naws_key = "' + AWS_KEY_ID + '"'),
        'password = "hunter2-Very-Long-x9!"',  # pragma: allowlist secret
    )
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    error = secrets_error(scan_notebook(nb))
    assert isinstance(error, SecretsFound) and error.http_status == 422
    assert error.message == (
        "the notebook contains 2 likely secrets:\n"
        '  - cell 4, line 2: AWS access key in `aws_key = "AKIA****************"`\n'
        '  - cell 5, line 1: hard-coded secret in `password = "hunt*****************"`'
    )
    assert 'Secret.load("name").get()' in error.hint
    assert "environment variable" in error.hint
    assert "# pragma: allowlist secret" in error.hint
    assert error.render() == f"{error.message}\n{error.hint}"
    assert [f["cell_index"] for f in error.to_dict()["findings"]] == [3, 4]
    assert error.cell_index is None


def test_one_finding_points_at_its_cell():
    error = secrets_error(scan_source('aws_key = "' + AWS_KEY_ID + '"', cell_index=3))
    assert error.cell_index == 3
    assert error.message.startswith("the notebook contains a likely secret:\n  - cell 4, line 1:")


def test_secrets_error_needs_findings():
    with pytest.raises(ValueError, match="at least one finding"):
        secrets_error([])
