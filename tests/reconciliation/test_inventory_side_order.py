"""Sides whose system exports in its own order come back in the merge's key order."""

import os
import tempfile

import pytest

from apps.reconciliation import ordering
from apps.reconciliation.ordering import DuplicateKey, in_key_order

KEYS = ["b@X", "A1@DC", "A-1@DC", "é@DC", "a@DC", "Z@DC", "A@DC"]


def test_rows_come_back_in_python_string_order_across_batches(monkeypatch):
    monkeypatch.setattr(ordering, "BATCH", 2)
    rows = [(key, {"n": index, "figure": "1.50", "none": None}) for index, key in enumerate(KEYS)]
    back = list(in_key_order(iter(rows), label="wms"))
    assert [key for key, _ in back] == sorted(KEYS)
    assert dict(back)["é@DC"] == {"n": 3, "figure": "1.50", "none": None}


def test_two_records_for_one_key_fail_loudly():
    rows = [("A@DC", {"n": 1}), ("B@DC", {"n": 2}), ("A@DC", {"n": 3})]
    with pytest.raises(DuplicateKey, match="The storefront side gave two records for one key"):
        list(in_key_order(rows, label="storefront"))


def test_the_scratch_file_is_gone_when_the_side_is_read_or_abandoned(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert list(in_key_order([("A", {})], label="wms")) == [("A", {})]
    abandoned = in_key_order([("A", {}), ("B", {})], label="wms")
    next(abandoned)
    assert os.listdir(tmp_path)  # mid-read the sorted side is on disk, not in memory
    abandoned.close()
    assert os.listdir(tmp_path) == []
