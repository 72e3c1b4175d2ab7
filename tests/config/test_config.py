"""Config loading: one bad file per rule with its exact message, and the happy paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import ConfigError, load, parse

DATA = Path(__file__).parent / "testdata"
SAMPLE = Path(__file__).parents[3] / "shared" / "samples" / "basic" / "scimwatch.yaml"

EXPECTED = {
    "alerting_unknown_receiver.yaml": [
        "alerting_unknown_receiver.yaml:5: alerting.route: route names unknown receiver 'pager' "
        "(receivers: ['chat', 'default'])"
    ],
    "alerting_bad_matcher.yaml": [
        "alerting_bad_matcher.yaml:7: alerting.route.routes[0].matchers: bad regular expression "
        "'(critical': missing ), unterminated subpattern at position 0"
    ],
    "alerting_bad_duration.yaml": [
        "alerting_bad_duration.yaml:6: alerting.route.group_wait: bad duration '30 seconds': "
        "expected e.g. 30s, 5m, 4h or 1h30m"
    ],
    "unknown_key.yaml": ["unknown_key.yaml:4: apps[0].colour: unknown key"],
    "unknown_source_type.yaml": [
        "unknown_source_type.yaml:4: sources[0]: unknown source type syslog (known: "
        "'scim_log', 'app_activity_log', 'okta_system_log', 'entra_provisioning_log', "
        "'entra_directory_audit', 'google_reports', 'scim_push')"
    ],
    "missing_path.yaml": ["missing_path.yaml:4: sources[0].path: Field required"],
    "unknown_app.yaml": [
        "unknown_app.yaml:6: sources[0].app: unknown app 'helpdesk' (apps: billing, hr)"
    ],
    "literal_secret.yaml": [
        "literal_secret.yaml:6: sources[0].token: secrets are not read from the config file; "
        "set token_env (an environment variable name) or token_file (a file path) instead"
    ],
    "bad_idp.yaml": [
        "bad_idp.yaml:3: apps[0].idp: Input should be 'okta', 'entra', 'google', 'onelogin', "
        "'jumpcloud' or 'generic'"
    ],
    "duplicate_app.yaml": ["duplicate_app.yaml:3: apps[1].name: duplicate app 'billing'"],
    "bad_yaml.yaml": [
        "bad_yaml.yaml:3:4: invalid YAML: expected <block end>, but found '<block mapping start>'"
    ],
    "no_apps.yaml": ["no_apps.yaml:1: apps: Field required"],
    "negative_slo.yaml": [
        "negative_slo.yaml:3: apps[0].slo.deprovision_seconds: Input should be greater than 0"
    ],
    "bad_app_name.yaml": [
        "bad_app_name.yaml:2: apps[0].name: String should match pattern '^[A-Za-z0-9_.-]{1,64}$'"
    ],
    "not_a_mapping.yaml": [
        "not_a_mapping.yaml: the top level must be a mapping with `apps` and `sources`"
    ],
    "missing_type.yaml": ["missing_type.yaml:4: sources[0]: missing `type`"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_gives_its_exact_message(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(DATA / name)
    assert [p.replace(str(DATA) + "/", "") for p in caught.value.problems] == EXPECTED[name]


def test_every_testdata_file_has_an_expectation() -> None:
    assert sorted(p.name for p in DATA.glob("*.yaml")) == sorted(EXPECTED)


def test_secret_value_never_appears_in_the_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load(DATA / "literal_secret.yaml")
    assert "SECRETVALUE" not in str(caught.value)


def test_sample_config_loads_with_unique_source_names() -> None:
    config = load(SAMPLE)
    assert [app.name for app in config.apps] == ["crm", "tickets", "wiki", "payroll", "chat"]
    names = [spec.name for spec in config.sources]
    assert len(set(names)) == len(names)
    assert "google_reports/token" in names
    assert config.base_dir == SAMPLE.resolve().parent
    assert config.slo_seconds("crm") == 3600


def test_per_app_slo_overrides_the_global_one(tmp_path: Path) -> None:
    text = (
        "apps:\n  - {name: hr, slo: {deprovision_seconds: 600}}\n  - {name: it}\n"
        "slo: {deprovision_seconds: 7200}\n"
    )
    config = parse(text, source="x.yaml", base_dir=tmp_path)
    assert config.slo_seconds("hr") == 600
    assert config.slo_seconds("it") == 7200


def test_same_type_and_app_twice_gets_distinct_names(tmp_path: Path) -> None:
    text = (
        "apps: [{name: hr}]\nsources:\n  - {type: scim_log, app: hr, path: a.log}\n"
        "  - {type: scim_log, app: hr, path: b.log}\n"
    )
    config = parse(text, source="x.yaml", base_dir=tmp_path)
    assert [s.name for s in config.sources] == ["scim_log/hr", "scim_log/hr#2"]


def test_config_check_cli_exit_codes() -> None:
    runner = CliRunner()
    good = runner.invoke(main, ["config", "check", str(SAMPLE)])
    assert good.exit_code == 0, good.output
    assert "ok (5 apps, 12 sources)" in good.output
    bad = runner.invoke(main, ["config", "check", str(SAMPLE), str(DATA / "unknown_app.yaml")])
    assert bad.exit_code == 1
    assert "unknown app 'helpdesk'" in bad.output


def test_missing_file_is_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load(DATA / "does-not-exist.yaml")
    assert len(caught.value.problems) == 1
    assert "cannot read: No such file or directory" in caught.value.problems[0]
