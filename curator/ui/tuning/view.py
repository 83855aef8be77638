"""The Tuning tab: sliders for the hybrid's weights and live plots of what they do.

Scores for the evaluation visitors are computed once per half-life (in the background);
a slider move then only re-weights and re-measures, and the latest move wins.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSlider,
    QWidget,
)

from ...core.catalog import Catalog
from ...core.evaluate.metrics import GUIDE
from ...core.recommend.hybrid import Rules
from ...core.recommend.profiles import Profile
from .. import operations
from ..jobs import JobRunner
from ..operations import Op, TuningRequest

SIGNALS = [("content", "Content similarity"), ("item", "Visitors with similar taste"),
           ("popularity", "Popular lately")]
TRADE_OFFS = [("diversity", "Diversity (intra-list)"), ("coverage", "Catalog coverage"),
              ("novelty", "Novelty (bits)")]
HALF_LIVES = [0, 30, 90, 180, 365, 730, 1825]  # days; 0 = no decay


class TuningView(QWidget):
    """Weights, diversity and decay sliders with live evaluation plots. Main thread only."""

    status = Signal(str)
    profile_saved = Signal(str)

    def __init__(self, catalog: Catalog, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.jobs = jobs
        self.evaluation = None
        users = catalog.visitors.ids(limit=1)
        self.sample_user: str | None = users[0] if users else None
        self.history: list[tuple[float, dict]] = []
        self.last: dict | None = None
        self._frontiers: dict[tuple, list] = {}
        profile = catalog.recommendations.profile()

        form = QFormLayout()
        self.sliders: dict[str, QSlider] = {}
        for name, label in SIGNALS:
            slider = self._slider(0, 200, round(100 * profile.weights.get(name, 0.0)),
                                  f"Weight of “{label}” (0 to 2)")
            self.sliders[name] = slider
            form.addRow(label, slider)
        self.mmr = self._slider(0, 100, round(100 * profile.mmr_lambda),
                                "Diversity: right = pure relevance (λ = 1), left = more varied")
        form.addRow("Relevance ↔ diversity", self.mmr)
        self.half_life = self._slider(0, len(HALF_LIVES) - 1,
                                      _half_life_step(profile.half_life_days),
                                      "How fast old events fade (half-life)")
        form.addRow("Time-decay half-life", self.half_life)
        self.values = QLabel()
        form.addRow(self.values)
        self.axis = QComboBox()
        self.axis.addItems([label for _, label in TRADE_OFFS])
        self.axis.setToolTip("What accuracy is traded against in the left plot")
        self.axis.currentIndexChanged.connect(self._redraw)
        form.addRow("Trade-off against", self.axis)
        self.name = QLineEdit(placeholderText="profile name")
        self.name.setToolTip("Name for the current weights")
        self.make_default = QCheckBox("default")
        self.make_default.setToolTip("Use this profile when none is chosen")
        self.save = QPushButton("Save profile")
        self.save.setToolTip("Save the current weights as a named profile")
        self.save.clicked.connect(self.save_profile)
        row = QHBoxLayout()
        row.addWidget(self.name)
        row.addWidget(self.make_default)
        row.addWidget(self.save)
        form.addRow(row)
        self.fit = QPushButton("Fit weights")
        self.fit.setToolTip("Choose weights, diversity and half-life from the histories "
                            "(validated on held-out training events) and save them under "
                            "the name above, or as the default profile")
        self.fit.clicked.connect(self.fit_weights)
        self.provenance = QLabel(wordWrap=True)
        self.provenance.setToolTip("How the default profile's settings came about")
        self.show_provenance(profile)
        form.addRow(self.fit, self.provenance)
        self.metric_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for n, (key, guide) in enumerate(GUIDE.items()):
            label = QLabel(guide.name())
            label.setToolTip(f"<b>{guide.name()}</b>: {guide.meaning}")
            self.metric_labels[key] = label
            grid.addWidget(label, n // 2, n % 2)
        form.addRow(grid)
        self.metrics_label = QLabel("↑ higher is better, ↓ lower is better; hover a figure "
                                    "for what it measures", wordWrap=True)
        self.metrics_label.setStyleSheet("color: palette(mid)")
        form.addRow(self.metrics_label)
        self.sample_label = QLabel()
        self.sample = QListWidget()
        self.sample.setToolTip("What these weights recommend to one visitor")
        form.addRow(self.sample_label)
        form.addRow(self.sample)
        controls = QWidget()
        controls.setLayout(form)
        controls.setMaximumWidth(420)

        # Two canvases, so a slider move redraws only the trade-off plot (the score
        # distributions change with the evaluation alone). Margins are fitted to the labels
        # on each full draw, so that nothing is cut at any size or scale; a slider move
        # draws only its points (see _redraw_moving).
        self.figure = Figure(figsize=(4, 4), layout="tight")
        self.dist_figure = Figure(figsize=(4, 4), layout="tight")
        self._drawn_dists = None
        self._dists: tuple | None = None  # (evaluation, each signal's score sample)
        self._saved: dict[tuple, dict] = {}  # saved profiles' metrics, this evaluation
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setToolTip("Accuracy against the chosen trade-off; the red dot is now, "
                               "labelled dots are saved profiles.")
        self.dist_canvas = FigureCanvasQTAgg(self.dist_figure)
        self.dist_canvas.setToolTip("How each signal's normalised scores are spread.")
        self.ax_trade = self.figure.subplots()
        self.ax_dist = self.dist_figure.subplots()
        # A move redraws only what moves (the current point and the recent ones) over the
        # rest of the plot kept as a picture: text is what costs in a full draw.
        self._moving: list = []        # artists drawn over the kept picture
        self._kept_picture = None      # the plot without them, as last drawn in full
        self._kept_for = None          # what that picture shows (see _still)
        self.canvas.mpl_connect("draw_event", self._drawn)
        layout = QHBoxLayout(self)
        layout.addWidget(controls)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.dist_canvas, 1)
        self.redraws = 0
        self._debounce = QTimer(self, singleShot=True, interval=30)
        self._debounce.timeout.connect(self.remeasure)
        # the curve over λ (five measures) waits until the sliders rest and the new point
        # is drawn, so that it never competes with the list and metrics of a move
        self.curve_timer = QTimer(self, singleShot=True, interval=250)
        self.curve_timer.timeout.connect(self._measure_curve)
        self._colours: dict[str, str] = {}
        self._follow_palette()
        for s in [*self.sliders.values(), self.mmr]:
            s.valueChanged.connect(self._debounce.start)
        self.half_life.valueChanged.connect(self.rebuild)
        self._show_values()

    def _slider(self, lo: int, hi: int, value: int, tip: str) -> QSlider:
        s = QSlider(Qt.Horizontal, minimum=lo, maximum=hi, value=value)
        s.setToolTip(tip)
        s.valueChanged.connect(self._show_values)
        return s

    # -- state ------------------------------------------------------------------------------
    def weights(self) -> dict[str, float]:
        return {name: s.value() / 100 for name, s in self.sliders.items()}

    def rules(self) -> Rules:
        return Rules(mmr_lambda=self.mmr.value() / 100)

    def half_life_days(self) -> float | None:
        days = HALF_LIVES[self.half_life.value()]
        return float(days) if days else None

    def _show_values(self) -> None:
        w = self.weights()
        hl = self.half_life_days()
        self.values.setText(", ".join(f"{n} {v:.2f}" for n, v in w.items())
                            + f"; λ {self.mmr.value() / 100:.2f}; half-life "
                            + (f"{hl:.0f} days" if hl else "off"))

    # -- work -------------------------------------------------------------------------------
    def start(self) -> None:
        """Build the evaluation the first time the tab is shown."""
        if self.evaluation is None:
            self.rebuild()

    def rebuild(self) -> None:
        self.status.emit("Scoring the evaluation visitors…")
        self.jobs.start(Op.TUNING_BUILD, operations.tuning_evaluation, self.catalog,
                        self.half_life_days(), on_done=self._built,
                        on_error=self.status.emit)

    def _built(self, evaluation) -> None:
        self.evaluation = evaluation
        self._frontiers = {}
        self.status.emit(f"Evaluation ready: {len(evaluation.users):,} visitors, "
                         f"top {evaluation.k}")
        self.remeasure()

    def remeasure(self) -> None:
        """Measure the sliders' weights: the metrics and the sample visitor's list first,
        then (a second job) the saved profiles and the curve over λ for the plot."""
        if self.evaluation is None:
            return
        self.curve_timer.stop()  # the sliders moved on: their curve waits for rest again
        request = TuningRequest(self.weights(), self.rules().mmr_lambda,
                                self.half_life_days(), self.sample_user)
        self.jobs.start(Op.TUNING, operations.measure_weights, self.catalog, self.evaluation,
                        request, on_done=self._measured, on_error=self.status.emit)

    def _measured(self, result) -> None:
        weights, current, sample = result
        previous = self.last or {}
        self.last = {"weights": weights, "metrics": current,
                     "saved": previous.get("saved", []), "dists": previous.get("dists"),
                     "frontier": self._frontiers.get(tuple(sorted(weights.items()))) or []}
        self.sample_label.setText(f"Top 10 for visitor {self.sample_user}:"
                                  if self.sample_user else "")
        self.sample.clear()
        self.sample.addItems([f"{s:.2f}  {t or i}" for i, t, s in sample])
        self.history = (self.history + [(current["ndcg"], current)])[-30:]
        k = self.evaluation.k if self.evaluation is not None else 10
        for key, label in self.metric_labels.items():
            value = current.get(key, float("nan"))
            label.setText(f"{GUIDE[key].name(k)} {value:.2f}" if key == "novelty"
                          else f"{GUIDE[key].name(k)} {value:.3f}")
        self._redraw(quick=True)
        self.curve_timer.start()

    def _measure_curve(self) -> None:
        """The saved profiles' points, the curve over λ and the score distributions:
        slower than the list, and unchanged by most moves, so kept per evaluation."""
        evaluation = self.evaluation
        if evaluation is None or not self.last:
            return
        weights = self.last["weights"]
        profiles = self.catalog.recommendations.profiles()
        if self._dists is None or self._dists[0] is not evaluation:
            self._dists, self._saved = (evaluation, None), {}
        self.jobs.start(Op.TUNING_CURVE, operations.measure_curve, evaluation, weights,
                        profiles, dict(self._saved), self._dists[1],
                        self._frontiers.get(tuple(sorted(weights.items()))),
                        on_done=self._curve_measured, on_error=self.status.emit)

    def _curve_measured(self, result) -> None:
        weights, saved, dists, curve = result
        self._frontiers[tuple(sorted(weights.items()))] = curve
        self._dists = (self.evaluation, dists)
        self._saved.update(saved)
        if not self.last or self.last["weights"] != weights:
            return  # the sliders moved on; their own curve follows
        self.last.update(saved=[(key[0], m) for key, m in saved.items()], dists=dists,
                         frontier=curve)
        self._redraw()

    def _still(self) -> tuple:
        """What the plot shows apart from the moving points: when this is unchanged, a move
        redraws only those points."""
        key = TRADE_OFFS[self.axis.currentIndex()][0]
        return (key, tuple((n, m[key], m["ndcg"]) for n, m in self.last["saved"]),
                tuple(self._colours.items()))

    def _redraw_moving(self) -> bool:
        """Move the current and recent points over the kept picture; False when the plot
        must be drawn in full (something else changed, or a point would leave the axes)."""
        if self._kept_picture is None or self._kept_for != self._still() \
                or self.last.get("frontier"):
            return False
        key = TRADE_OFFS[self.axis.currentIndex()][0]
        ax = self.ax_trade
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        points = [(m[key], m["ndcg"]) for _, m in self.history]
        if not all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points):
            return False
        trail, now, *curve = self._moving
        trail.set_data([x for x, _ in points], [y for _, y in points])
        now.set_data([points[-1][0]], [points[-1][1]])
        for artist in curve:
            artist.set_visible(False)  # the curve of the weights before; theirs follows
        self.canvas.restore_region(self._kept_picture)
        for artist in self._moving:
            if artist.get_visible():
                ax.draw_artist(artist)
        self.canvas.blit(ax.bbox)
        return True

    def _drawn(self, _event) -> None:
        """After a full draw: keep the picture without the moving points, then add them."""
        if not self._moving:
            return
        ax = self.ax_trade
        self._kept_picture = self.canvas.copy_from_bbox(ax.bbox)
        for artist in self._moving:
            if artist.get_visible():
                ax.draw_artist(artist)

    def _redraw(self, quick: bool = False) -> None:
        if not self.last:
            return
        if quick and self._redraw_moving():
            self.redraws += 1
            return
        key, label = TRADE_OFFS[self.axis.currentIndex()]
        ax = self.ax_trade
        ax.clear()
        self._kept_picture, self._kept_for = None, self._still()
        fg = self._colours["text"]
        trail = [m for _, m in self.history]
        (trail_line,) = ax.plot([m[key] for m in trail], [m["ndcg"] for m in trail], "o",
                                color="#bbbbbb", markersize=3, label="recent")
        frontier = self.last.get("frontier") or []
        curve = []
        if frontier:
            curve = ax.plot([m[key] for _, m in frontier], [m["ndcg"] for _, m in frontier],
                            "-", color=self._colours["curve"], alpha=0.7,
                            label="these weights, λ 0 → 1")
            for lam, m in frontier:
                curve.append(ax.annotate(f"λ{lam:g}", (m[key], m["ndcg"]), fontsize=7,
                                         color=self._colours["curve"], xytext=(3, -9),
                                         textcoords="offset points"))
        for name, m in self.last["saved"]:
            ax.plot(m[key], m["ndcg"], "s", color=self._colours["saved"])
            ax.annotate(name, (m[key], m["ndcg"]), fontsize=8, xytext=(4, 4), color=fg,
                        textcoords="offset points")
        now = self.last["metrics"]
        (now_line,) = ax.plot(now[key], now["ndcg"], "o", color="#C44E52", markersize=9,
                              label="current")
        self._moving = [trail_line, now_line, *curve]
        ax.set_xlabel(f"{label} {'→ better' if GUIDE[key].higher_is_better else '← better'}")
        ax.set_ylabel(f"{GUIDE['ndcg'].label.format(k=10)} ↑ better")
        ax.set_title("Accuracy vs " + label.split(" (")[0].lower(), fontsize=10)
        # below the axes, so it never covers the current point or a saved profile
        wide = self.figure.get_figwidth() * 72 >= 300  # points: room for one row of three
        legend = ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                           ncol=3 if wide else 1, frameon=False, labelcolor=fg)
        # room around the points, so that the next moves stay inside without a full draw
        points = [(m[key], m["ndcg"]) for m in trail] + [(now[key], now["ndcg"])] \
            + [(m[key], m["ndcg"]) for _, m in frontier] \
            + [(m[key], m["ndcg"]) for _, m in self.last["saved"]]
        for axis, values in (("x", [p[0] for p in points]), ("y", [p[1] for p in points])):
            values = [v for v in values if v == v]  # not NaN
            if values:
                lo, hi = min(values), max(values)
                pad = max(0.15 * (hi - lo), 0.1 * max(abs(lo), abs(hi)), 1e-3)
                (ax.set_xlim if axis == "x" else ax.set_ylim)(lo - pad, hi + pad)
        for artist in self._moving:
            artist.set_animated(True)  # left out of the full draw, then drawn over it
        for handle in legend.legend_handles:
            handle.set_animated(False)  # the legend's samples are copies: keep them drawn
        self._style_axes(ax)
        dists = self.last["dists"]
        if dists is not None and dists is not self._drawn_dists:  # new with each evaluation
            self._drawn_dists = self.last["dists"]
            ax = self.ax_dist
            ax.clear()
            for name, values in self._drawn_dists.items():
                ax.hist(values, bins=30, alpha=0.5, label=name, histtype="stepfilled")
            ax.set_xlabel("normalised score")
            ax.set_title("Signal score distributions", fontsize=10)
            ax.legend(fontsize=8, labelcolor=fg, facecolor=self._colours["base"],
                      edgecolor=self._colours["mid"])
            self._style_axes(ax)
            self.dist_canvas.draw_idle()
        self.canvas.draw_idle()
        self.redraws += 1

    def stop(self) -> None:
        """Start nothing more (the window is closing)."""
        self._debounce.stop()
        self.curve_timer.stop()

    def settled(self) -> bool:
        """No move waits to be measured and no curve waits to be started."""
        return not (self._debounce.isActive() or self.curve_timer.isActive())

    # -- colours ----------------------------------------------------------------------------
    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange,
                            QEvent.StyleChange) and self._colours:
            self._follow_palette()

    def _follow_palette(self) -> None:
        """Paint both plots in the window's colours (light or dark), now and on a change."""
        palette = self.palette()
        colours = {"window": palette.color(QPalette.Window).name(),
                   "base": palette.color(QPalette.Base).name(),
                   "text": palette.color(QPalette.WindowText).name(),
                   "mid": palette.color(QPalette.Mid).name()}
        dark = palette.color(QPalette.Window).lightness() < palette.color(
            QPalette.WindowText).lightness()
        # the saved profiles and the λ curve, readable on either background
        colours.update(saved="#7FA7E0" if dark else "#4C72B0",
                       curve="#B7A6F0" if dark else "#8172B3")
        if colours == self._colours:
            return
        self._colours = colours
        for figure, ax in ((self.figure, self.ax_trade), (self.dist_figure, self.ax_dist)):
            figure.set_facecolor(colours["window"])
            self._style_axes(ax)
        if self.last:
            self._drawn_dists = None  # the histograms' legend too
            self._redraw()
        else:
            self.canvas.draw_idle()
            self.dist_canvas.draw_idle()

    def _style_axes(self, ax) -> None:
        c = self._colours
        ax.set_facecolor(c["base"])
        ax.tick_params(colors=c["text"], which="both")
        for spine in ax.spines.values():
            spine.set_edgecolor(c["mid"] if c["mid"] != c["base"] else c["text"])
        ax.xaxis.label.set_color(c["text"])
        ax.yaxis.label.set_color(c["text"])
        ax.title.set_color(c["text"])

    def show_provenance(self, profile: Profile) -> None:
        self.provenance.setText(f"“{profile.name}”: {profile.provenance()}")

    def fit_weights(self) -> None:
        """Fit a profile in the background: the named one, else the default one."""
        name = self.name.text().strip() or None
        make_default = self.make_default.isChecked()
        self.fit.setEnabled(False)
        self.status.emit("Fitting weights to the histories…")
        self.jobs.start(Op.FIT_WEIGHTS, operations.fit_weights, self.catalog, name,
                        make_default, on_done=self._fitted, on_error=self._fit_failed)

    def _fit_failed(self, message: str) -> None:
        self.fit.setEnabled(True)
        self.status.emit(message)

    def _fitted(self, report) -> None:
        self.fit.setEnabled(True)
        profile = report.profile
        for signal, slider in self.sliders.items():
            slider.setValue(round(100 * profile.weights.get(signal, 0.0)))
        self.mmr.setValue(round(100 * profile.mmr_lambda))
        self.half_life.setValue(_half_life_step(profile.half_life_days))
        self.show_provenance(profile)
        self.status.emit(report.summary().replace("\n", " "))
        self.profile_saved.emit(profile.name)

    def save_profile(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.status.emit("Give the profile a name first.")
            return
        self.catalog.recommendations.save_profile(Profile(name, weights=self.weights(),
                                          mmr_lambda=self.mmr.value() / 100,
                                          half_life_days=self.half_life_days(),
                                          kind_weights=self.catalog.recommendations.profile().kind_weights),
                                  make_default=self.make_default.isChecked())
        self.status.emit(f"Saved profile “{name}”.")
        self.profile_saved.emit(name)
        self.remeasure()


def _half_life_step(days: float | None) -> int:
    if not days:
        return 0
    return min(range(len(HALF_LIVES)), key=lambda i: abs(HALF_LIVES[i] - days))
