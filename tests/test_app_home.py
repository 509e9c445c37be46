from pathlib import Path

from streamlit.testing.v1 import AppTest

from ganviz.overview import PAGES, overview

ROOT = Path(__file__).resolve().parents[1]


def test_home_renders_an_overview_of_what_exists():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "ganviz" in at.title[0].value
    subheaders = [s.value for s in at.subheader]
    assert sorted(p.title for p in PAGES) == sorted(subheaders)
    info = overview(ROOT)
    assert at.metric[0].value == str(info.n_datasets) and info.n_datasets >= 11
    assert at.metric[2].value == str(len(info.checkpoints))


def test_overview_counts():
    info = overview(ROOT)
    assert "pages/1_Toy_GAN_Lab.py" in info.pages or not (ROOT / "pages/1_Toy_GAN_Lab.py").exists()
    assert info.n_presets >= 18
