"""The Tuning tab driven offscreen: the legend keeps clear of the points, the sample
visitor's list follows the half-life slider, and every metric says what is good."""

import numpy as np

from curator.core.evaluate.metrics import GUIDE
from curator.ui.tuning.view import HALF_LIVES

from .test_main_window import wait_jobs


def open_tuning(qtbot, window, user="sailor"):
    window.users.select_user(user)
    wait_jobs(qtbot, window)
    tuning = window.tuning
    window.tabs.setCurrentWidget(tuning)
    qtbot.waitUntil(lambda: tuning.redraws >= 1, timeout=30_000)
    qtbot.waitUntil(tuning.settled, timeout=5_000)
    wait_jobs(qtbot, window)
    return tuning


def test_plots_follow_the_dark_scheme_and_back(qtbot, window):
    from matplotlib.colors import to_rgb
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QStyleFactory

    from curator.ui.appearance import apply_scheme

    def lightness(colour) -> float:
        return sum(to_rgb(colour)) / 3

    tuning = open_tuning(qtbot, window)
    app = QApplication.instance()
    saved_palette, saved_style = app.palette(), app.style().name()
    try:
        apply_scheme(app, Qt.ColorScheme.Dark)
        qtbot.waitUntil(lambda: lightness(tuning.figure.get_facecolor()) < 0.3, timeout=5_000)
        for figure, ax in ((tuning.figure, tuning.ax_trade),
                           (tuning.dist_figure, tuning.ax_dist)):
            assert lightness(figure.get_facecolor()) < 0.3
            assert lightness(ax.get_facecolor()) < 0.3
            assert lightness(ax.xaxis.label.get_color()) > 0.7  # light text on dark
            assert lightness(ax.get_xticklabels()[0].get_color()) > 0.7
        legend = tuning.ax_trade.get_legend()
        assert all(lightness(t.get_color()) > 0.7 for t in legend.get_texts())
        tuning.canvas.draw()  # what is painted is dark too, not only the settings
        pixels = np.asarray(tuning.canvas.buffer_rgba())
        assert pixels[2, 2, :3].mean() < 80
        apply_scheme(app, Qt.ColorScheme.Light)  # and back, live
        qtbot.waitUntil(lambda: lightness(tuning.figure.get_facecolor()) > 0.7, timeout=5_000)
        assert lightness(tuning.ax_trade.xaxis.label.get_color()) < 0.3
    finally:
        app.setStyle(QStyleFactory.create(saved_style))
        app.setPalette(saved_palette)


def sample(tuning):
    return [tuning.sample.item(i).text() for i in range(tuning.sample.count())]


def test_legend_does_not_cover_the_current_point(qtbot, window):
    tuning = open_tuning(qtbot, window)
    tuning.canvas.draw()
    renderer = tuning.canvas.get_renderer()
    ax = tuning.ax_trade
    legend = ax.get_legend().get_window_extent(renderer)
    now = tuning.last["metrics"]
    key = "diversity"  # the trade-off shown first
    x, y = ax.transData.transform((now[key], now["ndcg"]))
    assert not legend.contains(x, y)
    assert not legend.overlaps(ax.get_window_extent(renderer))  # nor any other point
    assert not legend.overlaps(ax.xaxis.label.get_window_extent(renderer))
    assert legend.y0 >= 0  # still inside the figure


def test_sample_list_follows_the_half_life(qtbot, window):
    tuning = open_tuning(qtbot, window)
    recommend = window.catalog.recommendations.recommend

    def expected(days):
        recs = recommend("sailor", k=10, weights=tuning.weights(),
                         mmr_lambda=tuning.mmr.value() / 100, half_life_days=days)
        titles = {a["id"]: a["title"] for a in window.catalog.artworks.get(
            [r.item_id for r in recs])}
        return [f"{r.score:.2f}  {titles[r.item_id]}" for r in recs]

    lists = {}
    for days in (0, 30):
        redraws = tuning.redraws
        tuning.half_life.setValue(HALF_LIVES.index(days))
        qtbot.waitUntil(lambda r=redraws: tuning.redraws > r, timeout=30_000)
        wait_jobs(qtbot, window)
        lists[days] = sample(tuning)
        assert lists[days] == expected(float(days) if days else None)
    assert lists[0] != lists[30]  # recent events count more: the list changes


def test_every_metric_says_what_it_means_and_which_way_is_better(qtbot, window):
    tuning = open_tuning(qtbot, window)
    metrics = tuning.last["metrics"]
    assert set(tuning.metric_labels) == set(GUIDE)
    for key, label in tuning.metric_labels.items():
        guide = GUIDE[key]
        arrow = "↑" if guide.higher_is_better else "↓"
        assert label.text().startswith(guide.name()) and arrow in label.text()
        assert label.text().endswith(f"{metrics[key]:.2f}" if key == "novelty"
                                     else f"{metrics[key]:.3f}")
        assert guide.meaning in label.toolTip()
        assert ("higher" if guide.higher_is_better else "lower is better") in \
            guide.meaning.lower()
    assert "↓" in tuning.metric_labels["popularity_bias"].text()
    assert "higher is better" in tuning.metrics_label.text()



def test_a_move_shows_the_list_first_then_the_curve_and_saved_profiles(qtbot, window):
    from curator.core.recommend.profiles import Profile

    window.catalog.recommendations.save_profile(Profile("wide", weights={"content": 1.0}))
    tuning = open_tuning(qtbot, window)
    redraws = tuning.redraws
    tuning.sliders["popularity"].setValue(150)
    qtbot.waitUntil(lambda: tuning.redraws > redraws, timeout=30_000)
    assert tuning.last["weights"]["popularity"] == 1.5  # the list and metrics, at once
    assert not tuning.last["frontier"]  # the curve waits until the slider rests
    qtbot.waitUntil(tuning.settled, timeout=5_000)
    wait_jobs(qtbot, window)
    assert tuning.redraws >= redraws + 2  # then the plot again, with its curve
    assert [lam for lam, _ in tuning.last["frontier"]] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert "wide" in [name for name, _ in tuning.last["saved"]]
    assert tuning.last["dists"] is not None


def test_a_move_redraws_only_the_moving_points_and_paints_them_where_they_are(qtbot, window):
    tuning = open_tuning(qtbot, window)
    for value in (60, 140):  # the first move may redraw in full (a new trail point), then
        redraws = tuning.redraws  # the plot is kept as a picture and only points move
        tuning.sliders["popularity"].setValue(value)
        qtbot.waitUntil(lambda r=redraws: tuning.redraws > r, timeout=30_000)
    ax = tuning.ax_trade
    full_draws = []
    tuning.canvas.mpl_connect("draw_event", full_draws.append)
    redraws = tuning.redraws
    tuning.sliders["popularity"].setValue(100)
    qtbot.waitUntil(lambda: tuning.redraws > redraws, timeout=30_000)
    now = tuning.last["metrics"]
    assert full_draws == []  # the axes had room for the new point: nothing else was drawn
    x, y = ax.transData.transform((now["diversity"], now["ndcg"]))
    pixels = np.asarray(tuning.canvas.buffer_rgba())
    red = pixels[int(round(pixels.shape[0] - y)), int(round(x)), :3].astype(int)
    assert red[0] > 150 and red[1] < 120 and red[2] < 120  # the current point, drawn there
    qtbot.waitUntil(tuning.settled, timeout=5_000)
    wait_jobs(qtbot, window)


def test_no_tick_or_label_is_cut_at_the_plots_edges(qtbot, window):
    window.resize(1366, 768)  # the smallest screen the window is made for
    tuning = open_tuning(qtbot, window)
    for canvas, figure, ax in ((tuning.canvas, tuning.figure, tuning.ax_trade),
                               (tuning.dist_canvas, tuning.dist_figure, tuning.ax_dist)):
        canvas.draw()
        page = figure.bbox
        drawn = ax.get_tightbbox(canvas.get_renderer())  # ticks, labels, title and legend
        assert page.x0 - 0.5 <= drawn.x0 and drawn.x1 <= page.x1 + 0.5, (drawn, page)
        assert page.y0 - 0.5 <= drawn.y0 and drawn.y1 <= page.y1 + 0.5, (drawn, page)
