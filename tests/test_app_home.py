from pathlib import Path

from streamlit.testing.v1 import AppTest

from ganviz.overview import PAGES, overview, page_files, page_sort_key

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


def test_sidebar_calls_the_entrypoint_home_and_pages_keep_their_urls(monkeypatch):
    """app.py declares the navigation: "Home" first (not "app"), then every page file with the
    title and URL the classic pages/ folder gives it (e2e tests open /Toy_GAN_Lab etc.)."""
    import streamlit as st

    declared = []
    navigation = st.navigation

    def spy(pages, **kwargs):
        declared.append([(p.title, p.url_path) for p in pages])
        return navigation(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    home, *pages = declared[-1]
    assert home == ("Home", "")  # the default page: its URL is the app's root
    urls = [Path(f).stem.split("_", 1)[1] for f in page_files(ROOT)]
    assert pages == [(u.replace("_", " "), u) for u in urls]
    assert "Mode_Collapse_Inspector" in urls and "Toy_GAN_Lab" in urls


def test_page_files_follow_streamlits_order(tmp_path):
    (tmp_path / "pages").mkdir()
    for name in ("10_Ten.py", "2_Two.py", "b_unnumbered.py", "A_unnumbered.py", "__init__.py",
                 ".hidden.py", "notes.txt"):
        (tmp_path / "pages" / name).write_text("")
    assert page_files(tmp_path) == ("pages/2_Two.py", "pages/10_Ten.py",
                                    "pages/A_unnumbered.py", "pages/b_unnumbered.py")
    assert page_sort_key(Path("3_x.py")) == (3.0, "x")
    assert page_files(tmp_path / "nowhere") == ()
