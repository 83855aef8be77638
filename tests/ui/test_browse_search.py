"""The Browse search box: hybrid by default, and plain words before embedding is done."""

from .test_main_window import wait_jobs


def test_browse_search_before_embedding_says_how_far_it_is(qtbot, window):
    # A new embedding text: no artwork has a vector for it yet.
    window.catalog.embeddings.set_template("{title}")
    browse = window.browse
    assert browse.mode.currentText() == "Hybrid"
    browse.search.setText("portrait")
    browse.refresh()
    wait_jobs(qtbot, window)
    status = window.statusBar().currentMessage()
    assert "0 of 10 artworks embedded so far" in status and "words only" in status
    titles = {browse.model.row(r)["title"] for r in range(browse.model.rowCount())}
    assert titles == {"Portrait of a Lady", "Portrait of a Man", "Portrait of a Girl"}

    browse.mode.setCurrentText("Semantic")  # searches again
    wait_jobs(qtbot, window)
    assert "semantic search works once it is done" in window.statusBar().currentMessage()

    browse.grid.setCurrentIndex(browse.model.index(0, 6))
    browse.more_like_this()
    wait_jobs(qtbot, window)
    assert "“More like this” works once it is done" in window.statusBar().currentMessage()


def test_keyword_mode_ranks_whole_words(qtbot, window):
    browse = window.browse
    browse.mode.setCurrentText("Keyword")
    browse.search.setText("portrait lady")
    browse.refresh()
    assert browse.model.row(0)["title"] == "Portrait of a Lady"
    assert browse.count.text() == "3 works"
