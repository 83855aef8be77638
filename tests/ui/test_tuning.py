"""The Tuning tab driven offscreen: the legend keeps clear of the points, the sample
visitor's list follows the half-life slider, and every metric says what is good."""

from curator.core.evaluate.metrics import GUIDE
from curator.ui.tuning.view import HALF_LIVES

from .test_main_window import wait_jobs


def open_tuning(qtbot, window, user="sailor"):
    window.users.select_user(user)
    wait_jobs(qtbot, window)
    tuning = window.tuning
    window.tabs.setCurrentWidget(tuning)
    qtbot.waitUntil(lambda: tuning.redraws >= 1, timeout=30_000)
    wait_jobs(qtbot, window)
    return tuning


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
    wait_jobs(qtbot, window)
    assert tuning.redraws >= redraws + 2  # then the plot again, with its curve
    assert [lam for lam, _ in tuning.last["frontier"]] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert "wide" in [name for name, _ in tuning.last["saved"]]
    assert tuning.last["dists"] is not None
