"""almkit.set_log_handler: almkit's log lines reach a Python callable, in order and filtered by
the level; an exception the handler raises goes to sys.unraisablehook and the almkit call that
logged goes on; None sends the lines to stderr again."""
import sys

import pytest

import almkit


@pytest.fixture
def logging_info():
    almkit.set_log_level("info")
    yield
    almkit.set_log_handler(None)
    almkit.set_log_level("warn")


def run_eval(model_dir, data, out_dir):
    return almkit.eval(model_dir, bench="perception", data_path=data, out_dir=out_dir,
                       mode="loglik", limit=2, threads=2, silent_baseline=False)


def test_lines_reach_the_handler_at_or_above_the_level(logging_info, small_model_dir,
                                                       perception_json, tmp_path):
    lines = []
    almkit.set_log_handler(lambda level, message: lines.append((level, message)))
    outcome = run_eval(small_model_dir, perception_json, tmp_path / "run")
    almkit.flush_log()
    # src/bench/runner/runner.cpp's first line of a run
    assert ("info", f"eval: {outcome.units} model calls, 0 in the cache, {outcome.units} to run") \
        in lines, lines
    assert all(level in ("info", "warn", "error") for level, _ in lines)

    lines.clear()
    almkit.set_log_level("warn")
    run_eval(small_model_dir, perception_json, tmp_path / "run")  # all cached now
    almkit.flush_log()
    assert not [line for line in lines if line[0] == "info"], lines


def test_a_raising_handler_never_reaches_almkit(logging_info, small_model_dir, perception_json,
                                                tmp_path, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def handler(level, message):
        raise ValueError("handler failed on " + message)

    almkit.set_log_handler(handler)
    outcome = run_eval(small_model_dir, perception_json, tmp_path / "run")
    almkit.flush_log()
    assert outcome.complete and outcome.computed == outcome.units
    assert unraisable, "the handler's exception was not reported"
    assert isinstance(unraisable[0].exc_value, ValueError)
    assert "handler failed on eval: " in str(unraisable[0].exc_value)


def test_none_restores_stderr(logging_info, small_model_dir, perception_json, tmp_path, capfd):
    lines = []
    almkit.set_log_handler(lambda level, message: lines.append(message))
    almkit.set_log_handler(None)
    run_eval(small_model_dir, perception_json, tmp_path / "run")
    assert lines == []
    assert " model calls, " in capfd.readouterr().err


def test_the_handler_must_be_callable():
    with pytest.raises(almkit.InvalidArgumentError, match="callable"):
        almkit.set_log_handler(42)
