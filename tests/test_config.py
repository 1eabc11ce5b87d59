from __future__ import annotations

from pathlib import Path

import pytest

from audit.config import Config, ConfigError


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_enable_every_detector() -> None:
    from audit.detectors import DETECTORS

    assert Config().enabled_detectors() == list(DETECTORS)


def test_detector_options_and_disable(tmp_path: Path) -> None:
    cfg = Config.load(write(tmp_path, 'lang = "de"\n[detectors.calque]\ncheck_quotes = false\n'
                                      '[detectors.mojibake]\nenabled = false\n'))
    assert cfg.lang == "de"
    assert "mojibake" not in cfg.enabled_detectors()
    assert cfg.detector_kwargs("calque") == {"check_quotes": False}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("colour = 1\n", r"unknown key\(s\) colour"),
        ("[detectors.calque]\nthreshold = 3\n", "known keys: enabled, check_pronouns"),
        ("[detectors.nope]\n", "unknown detector"),
        ("[policy]\nrepair = 3\n", "known keys: weights"),
        ('[policy.severity]\nmerged_word = "huge"\n', "use one of info"),
        ('[policy.severity]\nspelling = "minor"\n', "unknown category"),
        ("lang = \n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.load(write(tmp_path, body))


def test_missing_config_file() -> None:
    with pytest.raises(ConfigError, match="not found"):
        Config.load("/nonexistent/mtaudit.toml")


def test_digest_changes_with_settings() -> None:
    assert Config().digest() != Config.from_dict({"policy": {"repair_threshold": 50}}).digest()


def test_readme_configuration_example_is_valid(tmp_path):
    import re

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Configuration.*?```toml\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "c.toml"
    path.write_text(block, encoding="utf-8")
    config = Config.load(path)
    assert config.backtranslate.engine == "bergamot" and config.backtranslate.pivot == "pt"
    assert config.policy.fidelity_weight == 0.3


def test_backtranslate_section_is_validated():
    with pytest.raises(ConfigError, match="engine = 'deepl'"):
        Config.from_dict({"backtranslate": {"engine": "deepl"}})
    with pytest.raises(ConfigError, match=r"\[backtranslate\]: unknown key\(s\) pivto"):
        Config.from_dict({"backtranslate": {"pivto": "pt"}})
    with pytest.raises(ConfigError, match="sample"):
        Config.from_dict({"backtranslate": {"sample": "half"}})
    with pytest.raises(ConfigError, match="metrics"):
        Config.from_dict({"backtranslate": {"metrics": ["comet"]}})
    a = Config.from_dict({"backtranslate": {"engine": "bergamot"}})
    assert a.digest() != Config().digest()
