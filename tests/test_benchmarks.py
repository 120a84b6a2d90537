"""The benchmark's pieces that need no long run: its tables, and its reading of the cards."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import chapters, quality, throughput  # noqa: E402


def test_throughput_table_states_the_ratio_to_the_floor_for_each_thread_count():
    loops = {"reference": 4e-4, "vae_core_0.2": 4e-5, "vae_core": 3e-5, "matmul_floor": 1e-5}
    row = {
        "samples_per_second": {k: 1 / v for k, v in loops.items()},
        "seconds_per_epoch": {k: v * 60000 for k, v in loops.items()},
        "speedup_vs_reference": 4e-4 / 3e-5,
        "speedup_vs_0.2": 4 / 3,
        "ratio_to_floor": 3.0,
    }
    text = throughput.table(
        {
            "model": "784-256-20",
            "batch_size": 128,
            "repeats": 3,
            "target_ratio_to_floor": 3.0,
            "by_threads": {"1": row, "2": row},
        }
    )
    assert text.count("3.00x the floor") == 2 and "1.33x vae_core 0.2" in text


def test_the_matmul_floor_is_timed_per_sample():
    assert 0 < throughput.time_matmul_floor(256, latent_dim=2, hidden=8) < 1


def test_chapter_table_flags_a_chapter_over_its_target():
    text = chapters.table({"target_s": 60, "seconds": {"01_a": 12.0, "02_b": 75.5}})
    assert "02_b" in text and text.count("(over)") == 1


def test_models_table_reads_the_whole_test_set_score_from_each_card():
    rows, text = quality.models_table()
    assert {"mnist-z2", "mnist-z20"} <= set(rows)
    for name, row in rows.items():
        assert row["images"] == 10000 and name in text
    assert "86.76" in text
