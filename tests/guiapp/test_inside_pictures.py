"""The pictures a node preview draws, from arrays: the one that fits the data, one colour scale."""
from __future__ import annotations

import numpy as np

from guiapp.inside.pictures import (MAX_MAPS, MAX_TILES, choose_picture, data_kind, histogram)


def test_the_data_picks_the_picture():
    assert [data_kind(s) for s in [(2,), (1,), (1, 8, 8), (14,), ()]] == ["plane", "curve", "image", "table", "table"]
    grid = np.random.default_rng(0).normal(size=(9, 20))               # a 3 x 3 plane, 20 units
    sample = np.zeros((4, 20))
    pic = choose_picture("plane", sample, grid, 3)
    assert pic.kind == "plane" and len(pic.tiles) == MAX_TILES and pic.tiles[0].shape == (3, 3)
    assert pic.note == "units 1–16 of 20"
    maps = choose_picture("image", np.ones((5, 12, 4, 6)))
    assert maps.kind == "maps" and len(maps.tiles) == MAX_MAPS and maps.tiles[0].shape == (4, 6)
    strips = choose_picture("table", np.arange(30.0).reshape(3, 10))
    assert strips.kind == "strips" and strips.tiles[0].shape == (10, 3)   # units down, samples across
    # an image network's flat layers fall back to strips; nothing to draw says so
    assert choose_picture("image", np.ones((5, 64))).kind == "strips"
    assert choose_picture("table", None).kind == "none"


def test_the_plane_is_drawn_with_y_upwards():
    # unit 0 = the grid point's y index: the top row of the picture holds the largest y
    res = 4
    gy = np.repeat(np.arange(res), res).astype(float)      # row-major grid, y down the rows
    pic = choose_picture("plane", np.zeros((2, 1)), gy[:, None], res)
    assert pic.tiles[0][0, 0] == res - 1 and pic.tiles[0][-1, 0] == 0


def test_scales_are_centred_on_zero_or_start_at_it():
    two = choose_picture("table", np.array([[-2.0, 1.0], [0.5, 2.0]]))
    assert two.diverging and two.lo == -two.hi
    relu = choose_picture("table", np.array([[0.0, 1.0], [0.5, 3.0]]))
    assert not relu.diverging and relu.lo == 0.0 and relu.hi > 0


def test_histogram_counts_the_finite_values():
    counts, edges = histogram(np.array([0.0, 1.0, 1.0, np.nan, np.inf]), bins=2)
    assert counts.tolist() == [1.0, 2.0] and edges[0] == 0.0 and edges[-1] == 1.0
    counts, edges = histogram(np.full(5, 3.0))
    assert counts.tolist() == [5.0] and edges[0] < 3.0 < edges[-1]
    assert histogram(np.array([np.nan]))[0].size == 0
