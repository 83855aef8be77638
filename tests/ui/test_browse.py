"""Browse as a curator uses it: sorting, columns, facet counts, thumbnails, the detail panel."""

from .test_main_window import wait_jobs


def ids(browse):
    return list(browse.model.ids)


def choose_sort(browse, order):
    browse.sort.setCurrentIndex(browse.sort.findData(order))


def test_sort_menu_orders_the_grid_through_the_core(qtbot, window, monkeypatch):
    browse = window.browse
    asked = []
    real = window.catalog.artworks.find_ids
    monkeypatch.setattr(window.catalog.artworks, "find_ids",
                        lambda *a, **k: asked.append(k.get("order")) or real(*a, **k))
    choose_sort(browse, "date")
    assert asked[-1] == "date"
    assert ids(browse)[:3] == ["N1", "P1", "P2"]  # 1720, 1770, 1780
    choose_sort(browse, "date_desc")
    assert ids(browse)[0] == "S1"  # 1840
    choose_sort(browse, "artist")
    artists = [browse.model.row(r)["artists"][0] for r in range(browse.model.rowCount())]
    assert artists == sorted(artists)
    choose_sort(browse, "title")
    assert ids(browse)[:2] == ["S3", "L2"]  # Calm Sea, Flatford Mill
    assert browse.count.text() == "10 works"


def test_a_search_can_be_sorted_and_comes_by_relevance_first(qtbot, window):
    browse = window.browse
    browse.mode.setCurrentText("Semantic")
    browse.search.setText("a stormy sea")
    browse.refresh()
    wait_jobs(qtbot, window)
    by_relevance = ids(browse)
    scores = [browse.hit_scores[i] for i in by_relevance]
    assert scores == sorted(scores, reverse=True)
    choose_sort(browse, "date")
    years = [browse.model.row(r)["year_start"] for r in range(browse.model.rowCount())]
    assert sorted(ids(browse)) == sorted(by_relevance) and years == sorted(years)
    choose_sort(browse, "relevance")
    assert ids(browse) == by_relevance


def test_table_columns_resize_stretch_and_are_remembered(qtbot, window, ui_catalog):
    from PySide6.QtWidgets import QHeaderView

    from curator.ui.main_window import MainWindow

    browse = window.browse
    browse.view_mode.setCurrentIndex(1)
    header = browse.table.horizontalHeader()
    assert header.sectionResizeMode(1) == QHeaderView.Interactive
    assert header.stretchLastSection()
    assert header.sectionSize(1) >= 300  # titles are readable at once
    header.resizeSection(1, 412)
    browse.size_slider.setValue(96)
    window.close()
    again = MainWindow(ui_catalog, embed_on_start=False, settings=window.settings)
    qtbot.addWidget(again)
    assert again.browse.table.horizontalHeader().sectionSize(1) == 412
    assert again.browse.size_slider.value() == 96
    assert again.browse.stack.currentWidget() is again.browse.table
    again.close()


def test_facet_lists_show_counts_and_filter_by_the_value(qtbot, window):
    browse = window.browse
    texts = [browse.artist.itemText(i) for i in range(browse.artist.count())]
    assert "Turner (3)" in texts
    assert texts[1] == "Turner (3)"  # most works first
    browse.artist.setCurrentIndex(texts.index("Constable (2)"))
    browse.refresh()
    assert sorted(ids(browse)) == ["L1", "L2"]
    browse.artist.setEditText("Romney")  # typed, not picked: still a filter
    browse.refresh()
    assert ids(browse) == ["P3"]


def test_thumbnail_size_slider(qtbot, window):
    from PySide6.QtCore import Qt

    browse = window.browse
    browse.size_slider.setValue(100)
    assert browse.grid.iconSize().width() == 100
    tile = browse.model.data(browse.model.index(0, 6), Qt.DecorationRole)
    assert tile.deviceIndependentSize().width() == 100
    browse.size_slider.setValue(240)
    tile = browse.model.data(browse.model.index(0, 6), Qt.DecorationRole)
    assert tile.deviceIndependentSize().width() == 240
    assert browse.grid.gridSize().width() > 240


def test_detail_panel_shows_every_field_large_and_clears_when_the_work_leaves(qtbot, window):
    from curator.ui.browse.view import PREVIEW

    browse = window.browse
    row = browse.model.ids.index("P3")
    browse.grid.setCurrentIndex(browse.model.index(row, 6))
    text = browse.details.text()
    for field in ("Portrait of a Girl", "Romney", "1790", "girl, portrait", "Source record",
                  "tags", "portrait|girl"):
        assert field in text, field
    assert browse.picture.pixmap().deviceIndependentSize().width() == PREVIEW
    browse.tag.setEditText("portrait")
    browse.refresh()  # P3 is still listed: it stays selected
    assert browse.selected_id == "P3" and "Romney" in browse.details.text()
    assert browse.model.ids[browse.grid.currentIndex().row()] == "P3"
    browse.tag.setEditText("sea")
    browse.refresh()  # P3 is gone: so is its panel
    assert browse.selected_id is None
    assert browse.details.text() == "" and not browse.more.isEnabled()


def test_year_boxes_step_from_any_to_real_years(qtbot, window):
    browse = window.browse
    assert browse.year_from.text() == "any" and browse.year_from.year() is None
    browse.year_from.stepUp()
    assert browse.year_from.value() == 1720  # the oldest work, not -9999
    browse.year_to.stepUp()
    assert browse.year_to.value() == 1840  # the newest
    browse.year_from.stepDown()
    assert browse.year_from.text() == "any"
    browse.refresh()
    assert browse.count.text() == "10 works"


def test_controls_stay_put_when_the_count_changes(qtbot, window):
    browse = window.browse
    window.resize(1200, 700)
    qtbot.wait(20)
    places = [w.geometry().x() for w in (browse.mode, browse.sort, browse.view_mode,
                                         browse.size_slider)]
    browse.count.setText("1 works")
    qtbot.wait(20)
    browse.count.setText("1,234,567 best works")
    qtbot.wait(20)
    assert [w.geometry().x() for w in (browse.mode, browse.sort, browse.view_mode,
                                       browse.size_slider)] == places
    assert browse.count.width() >= browse.count.fontMetrics().horizontalAdvance(
        "1,234,567 best works")


def test_facet_labels_are_never_cut_by_long_values(qtbot, window, tmp_path):
    """An extra field's facet with long values: every label beside the boxes is whole."""
    from PySide6.QtWidgets import QFormLayout, QLabel

    from ..conftest import write

    long = "Pre-Raphaelite Brotherhood and the artists around it in later years"
    path = write(tmp_path / "moves.csv", "accession_number,title,movement\n"
                 f"M1,One,{long}\nM2,Two,{long}\nM3,Three,Vorticism\nM4,Four,Vorticism\n")
    window.apply_changes(window.catalog.imports.catalog(path))  # as a background import does
    browse = window.browse
    assert "movement" in browse.extra_facets
    window.resize(1366, 768)
    qtbot.wait(50)
    form = browse.facet_form
    labels = [form.labelForField(form.itemAt(r, QFormLayout.ItemRole.FieldRole).widget())
              for r in range(form.rowCount()) if form.itemAt(r, QFormLayout.ItemRole.FieldRole) is not None]
    labels = [label for label in labels if isinstance(label, QLabel)]
    assert "Movement" in [label.text() for label in labels]
    for label in labels:
        assert label.width() >= label.sizeHint().width(), label.text()
