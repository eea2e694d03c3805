"""python -m trt_ocr.eval on small files written by the test."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("shapely")

from trt_ocr.eval.__main__ import main


def test_cli_ic15_and_words(tmp_path, capsys):
    gts = tmp_path / "gts"
    gts.mkdir()
    (gts / "gt_img_1.txt").write_text("0,0,10,0,10,10,0,10,Hello\n20,0,30,0,30,10,20,10,###\n")
    (gts / "gt_img_2.txt").write_text("0,0,10,0,10,10,0,10,World\n")
    preds = tmp_path / "p.json"
    preds.write_text(
        json.dumps({"img_1": [{"box": [[0, 0], [10, 0], [10, 10], [0, 10]], "text": "HELLO!"}]})
    )
    assert main(["ic15", str(gts), str(preds)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["detection"]["hmean"] == 1.0  # only img_1 is scored
    assert out["end_to_end"]["matched"] == 1
    assert main(["ic15", str(gts), str(preds), "--all"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["detection"]["recall"] == 0.5

    (tmp_path / "gt.txt").write_text('\ufeffw1.png, "A"\r\nw2.png, "B"\r\n', encoding="utf-8")
    wp = tmp_path / "w.json"
    wp.write_text(json.dumps({"w1.png": "a", "w2.png": "c"}))
    assert main(["words", str(tmp_path / "gt.txt"), str(wp)]) == 0
    assert json.loads(capsys.readouterr().out)["words"]["accuracy"] == 0.5
