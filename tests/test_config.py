"""Configuration: the documented example is exactly the defaults; bad files are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitui.config import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def test_example_documents_exactly_the_defaults() -> None:
    loaded = load_settings(EXAMPLE)
    loaded.source = None
    assert loaded == Settings()


def test_every_key_is_in_the_example() -> None:
    import dataclasses

    text = EXAMPLE.read_text()
    for section in dataclasses.fields(Settings):
        if section.name in ("source", "keymap"):
            continue
        assert f"[{section.name}]" in text
        for key in dataclasses.fields(section.type if isinstance(section.type, type)
                                      else type(getattr(Settings(), section.name))):
            assert f"{key.name} =" in text or f"[{section.name}.{key.name}]" in text, key.name


@pytest.mark.parametrize(("content", "message"), [
    ("[sla]\nvip_factor = 'half'", "sla.vip_factor must be a number, got 'half'"),
    ("[priority.tier_weights]\nvip = 'high'", "priority.tier_weights.vip must be a number"),
    ("[identity]\nsuggest_on_same_name = 1", "must be true or false, got 1"),
    ("store = 3", "[store] must be a table"),
    ("[nonsense]\nx = 1", "unknown key nonsense"),
    ("[identity]\ndefault_phone_region = 'Mars'", "two-letter country code"),
    ("[threading]\nreopen_window_days = -1", "must be 0 or more, got -1"),
    ("[sla]\nfirst_response_sync = 0", "sla.first_response_sync must be a number of minutes"),
    ("[sla]\nvip_factor = 2", "sla.vip_factor must be above 0 and at most 1"),
])
def test_errors_name_the_key(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    assert message in str(info.value) and str(file) in str(info.value)


def test_the_starter_config_ships_inside_the_package() -> None:
    """`omnitui init` copies it from the installed package, so a wheel must carry it."""
    import tomllib

    import omnitui

    assert (Path(omnitui.__file__).parent / "config.example.toml").is_file()
    pyproject = tomllib.loads((EXAMPLE.parent / "pyproject.toml").read_text())
    assert "config.example.toml" in pyproject["tool"]["setuptools"]["package-data"]["omnitui"]
