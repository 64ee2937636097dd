package org.lowrank.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import org.lowrank.report.CompressionReport.ExploredPoint;

/**
 * Inline SVG charts for {@link HtmlReport}, drawn in user units of a fixed-width viewBox (about the
 * chart's width in CSS pixels, so text keeps its size) that the page scales to its width. Colours
 * come from the page's CSS classes ({@code .s0}, {@code .s1} for the two series), so the charts
 * carry no style of their own. Every text is escaped.
 */
final class SvgCharts {
  /** Width of a full-width chart's viewBox (about its width in CSS pixels on a desktop page). */
  static final double WIDTH = 1100;

  /** Width of a chart in a half-width panel. */
  static final double HALF_WIDTH = 520;

  private static final double CHAR_WIDTH = 6.6; // average advance of a 12px sans-serif glyph

  private SvgCharts() {}

  /**
   * One group of a horizontal grouped bar chart: a label and one value per series.
   *
   * @param label the category (escaped when drawn; long labels are shortened, full text in a
   *     tooltip)
   * @param values one value per series, >= 0
   * @param valueLabels one text per value, drawn joined by arrows after the longest bar
   * @param trailing text right-aligned at the end of the row (e.g. "-77.6%"), or ""
   * @param tone CSS class of the trailing text ("good", "bad" or "")
   */
  record BarGroup(
      String label, double[] values, String[] valueLabels, String trailing, String tone) {}

  /**
   * A horizontal grouped bar chart: per group one bar per series ({@code class="bar s<i>"}) and the
   * values as text after the longest bar, a shared linear axis from 0 with gridlines at round
   * ticks, a legend on top.
   *
   * @param id the svg element's id
   * @param title accessible title of the chart
   * @param width viewBox width, {@link #WIDTH} or {@link #HALF_WIDTH}
   * @param series series names, one per value of each group
   * @param axis tick label format
   */
  static String groupedBars(
      String id,
      String title,
      double width,
      String[] series,
      List<BarGroup> groups,
      DoubleFunction<String> axis) {
    int n = series.length;
    double barH = groups.size() > 30 ? 6 : 10;
    double groupH = n * barH + (n - 1) * 2 + (groups.size() > 30 ? 8 : 12);
    int labelChars =
        (int) clamp(groups.stream().mapToInt(g -> g.label().length()).max().orElse(4), 8, 46);
    double labelW = labelChars * CHAR_WIDTH + 16;
    int longestTrail = groups.stream().mapToInt(g -> g.trailing().length()).max().orElse(0);
    double trailW = longestTrail == 0 ? 0 : longestTrail * CHAR_WIDTH + 20;
    int longestValue = groups.stream().mapToInt(g -> valueText(g).length()).max().orElse(0);
    double left = labelW;
    double right = width - trailW - longestValue * CHAR_WIDTH * 0.9 - 12;
    double top = 50;
    double height = top + groups.size() * groupH + 8;
    double max = groups.stream().flatMapToDouble(g -> Arrays.stream(g.values())).max().orElse(0);
    double[] ticks = ticks(0, max > 0 ? max : 1, right - left < 500 ? 3 : 5);
    double domainMax = ticks[ticks.length - 1];
    DoubleFunction<Double> x = v -> left + (right - left) * v / domainMax;

    Svg s = new Svg(id, title, width, height);
    String[] classes = new String[n];
    for (int i = 0; i < n; i++) {
      classes[i] = "s" + i;
    }
    legend(s, series, classes, left, 14);
    for (double t : ticks) {
      double tx = x.apply(t);
      s.line(tx, top - 8, tx, height - 6, "grid");
      s.text(tx, top - 14, axis.apply(t), "tick", "middle");
    }
    for (int gi = 0; gi < groups.size(); gi++) {
      BarGroup g = groups.get(gi);
      double gy = top + gi * groupH + 4;
      double baseline = gy + (n * barH + (n - 1) * 2) / 2 + 4; // text centred on the group
      String shown = shorten(g.label(), labelChars);
      s.raw("<g class=\"group\">");
      s.raw(
          "<text x=\""
              + num(left - 8)
              + "\" y=\""
              + num(baseline)
              + "\" class=\"label\" text-anchor=\"end\"><title>"
              + Html.escape(g.label())
              + "</title>"
              + Html.escape(shown)
              + "</text>");
      double longestBar = 0;
      for (int i = 0; i < n; i++) {
        double y = gy + i * (barH + 2);
        double w = Math.max(x.apply(g.values()[i]) - left, g.values()[i] > 0 ? 1 : 0);
        longestBar = Math.max(longestBar, w);
        s.raw(
            "<rect class=\"bar s"
                + i
                + "\" x=\""
                + num(left)
                + "\" y=\""
                + num(y)
                + "\" width=\""
                + num(w)
                + "\" height=\""
                + num(barH)
                + "\" rx=\"1.5\"><title>"
                + Html.escape(g.label() + ", " + series[i] + ": " + g.valueLabels()[i])
                + "</title></rect>");
      }
      s.text(left + longestBar + 6, baseline, valueText(g), "value", "start");
      if (!g.trailing().isEmpty()) {
        s.text(
            width - 4,
            baseline,
            g.trailing(),
            g.tone().isEmpty() ? "trail" : "trail " + g.tone(),
            "end");
      }
      s.raw("</g>");
    }
    s.line(left, top - 8, left, height - 6, "axis");
    return s.close();
  }

  /**
   * A scatter plot of explored points: x = parameters kept (%), y = quality, the Pareto frontier
   * (best quality for at most that many parameters) as a line, the selected point ringed.
   *
   * @param percentQuality draw quality ticks as percentages (for accuracies)
   */
  static String tradeoff(
      String id, String title, List<ExploredPoint> points, String metric, boolean percentQuality) {
    double left = 70;
    double right = WIDTH - 30;
    double top = 36;
    double bottom = 330;
    double height = bottom + 48;
    double maxX = points.stream().mapToDouble(ExploredPoint::paramsKept).max().orElse(1);
    double[] xt = ticks(0, Math.max(1, maxX) * 100, 5);
    double qMin = points.stream().mapToDouble(ExploredPoint::quality).min().orElse(0);
    double qMax = points.stream().mapToDouble(ExploredPoint::quality).max().orElse(1);
    double pad = Math.max((qMax - qMin) * 0.08, Math.max(Math.abs(qMax), 1) * 1e-3);
    double[] yt = ticks(qMin - pad, qMax + pad, 5);
    DoubleFunction<Double> x = v -> left + (right - left) * (100 * v) / xt[xt.length - 1];
    DoubleFunction<Double> y =
        v -> bottom - (bottom - top) * (v - yt[0]) / (yt[yt.length - 1] - yt[0]);
    double yStep = yt.length > 1 ? yt[1] - yt[0] : 1;
    DoubleFunction<String> yLabel =
        percentQuality ? v -> Fmt.tick(100 * v, 100 * yStep) + "%" : v -> Fmt.tick(v, yStep);

    Svg s = new Svg(id, title, WIDTH, height);
    legend(
        s,
        new String[] {"explored", "Pareto frontier", "selected"},
        new String[] {"pt", "fr", "sel"},
        left,
        14);
    for (double t : xt) {
      s.line(x.apply(t / 100), top, x.apply(t / 100), bottom, "grid");
      s.text(
          x.apply(t / 100),
          bottom + 18,
          Fmt.tick(t, xt.length > 1 ? xt[1] - xt[0] : 1) + "%",
          "tick",
          "middle");
    }
    for (double t : yt) {
      s.line(left, y.apply(t), right, y.apply(t), "grid");
      s.text(left - 8, y.apply(t) + 4, yLabel.apply(t), "tick", "end");
    }
    s.line(left, bottom, right, bottom, "axis");
    s.line(left, top, left, bottom, "axis");
    s.text((left + right) / 2, bottom + 40, "parameters kept", "axis-title", "middle");
    s.raw(
        "<text class=\"axis-title\" text-anchor=\"middle\" transform=\"translate(16 "
            + num((top + bottom) / 2)
            + ") rotate(-90)\">"
            + Html.escape(metric)
            + "</text>");

    List<ExploredPoint> frontier = frontier(points);
    if (frontier.size() > 1) {
      StringBuilder d = new StringBuilder();
      for (ExploredPoint p : frontier) {
        d.append(d.length() == 0 ? "" : " ")
            .append(num(x.apply(p.paramsKept())))
            .append(',')
            .append(num(y.apply(p.quality())));
      }
      s.raw("<polyline class=\"frontier\" points=\"" + d + "\"/>");
    }
    List<double[]> taken = new ArrayList<>(); // label boxes placed so far: x0, y0, x1, y1
    for (ExploredPoint p : points) {
      double px = x.apply(p.paramsKept());
      double py = y.apply(p.quality());
      taken.add(new double[] {px - 6, py - 6, px + 6, py + 6});
      String tip =
          p.label()
              + ": "
              + Fmt.percent(p.paramsKept(), 1)
              + " params, "
              + Fmt.percent(p.flopsKept(), 1)
              + " FLOPs kept, "
              + metric
              + " "
              + (percentQuality ? Fmt.percent(p.quality(), 2) : Fmt.score(p.quality()));
      s.raw(
          "<circle class=\"point"
              + (p.selected() ? " selected" : "")
              + "\" cx=\""
              + num(px)
              + "\" cy=\""
              + num(py)
              + "\" r=\""
              + (p.selected() ? 7 : 5)
              + "\"><title>"
              + Html.escape(tip)
              + "</title></circle>");
    }
    // labels: the selected point first, then left to right; a label that would overlap another
    // label or a point is left out (the tooltip and the table below the chart still name it)
    List<ExploredPoint> order = new ArrayList<>(points);
    order.sort(
        Comparator.comparing((ExploredPoint p) -> !p.selected())
            .thenComparingDouble(ExploredPoint::paramsKept));
    for (ExploredPoint p : order) {
      if (p.label().isEmpty()) {
        continue;
      }
      String text = shorten(p.label(), 28);
      double w = text.length() * CHAR_WIDTH * 0.95 + (p.selected() ? 8 : 0);
      double px = x.apply(p.paramsKept());
      double py = y.apply(p.quality());
      double[][] offsets = {
        {10, -8}, {10, 16}, {-10 - w, -8}, {-10 - w, 16}, {-w / 2, -14}, {-w / 2, 24}
      };
      for (double[] o : offsets) {
        double[] box = {px + o[0], py + o[1] - 11, px + o[0] + w, py + o[1] + 3};
        if (box[0] < left
            || box[2] > right
            || box[1] < top
            || box[3] > bottom
            || taken.stream().anyMatch(t -> overlaps(t, box))) {
          continue;
        }
        taken.add(box);
        s.text(box[0], py + o[1], text, p.selected() ? "plabel strong" : "plabel", "start");
        break;
      }
    }
    return s.close();
  }

  /**
   * The values of a group after its longest bar: "36.9k \u2192 2.24k", one value when all equal.
   */
  private static String valueText(BarGroup g) {
    boolean same = Arrays.stream(g.valueLabels()).distinct().count() == 1;
    return same ? g.valueLabels()[0] : String.join(" \u2192 ", g.valueLabels());
  }

  private static boolean overlaps(double[] a, double[] b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  }

  /** Points not dominated by one with fewer (or equal) parameters and higher quality, by params. */
  static List<ExploredPoint> frontier(List<ExploredPoint> points) {
    List<ExploredPoint> sorted = new ArrayList<>(points);
    sorted.sort(
        Comparator.comparingDouble(ExploredPoint::paramsKept)
            .thenComparing(Comparator.comparingDouble(ExploredPoint::quality).reversed()));
    List<ExploredPoint> out = new ArrayList<>();
    double best = Double.NEGATIVE_INFINITY;
    for (ExploredPoint p : sorted) {
      if (p.quality() > best) {
        out.add(p);
        best = p.quality();
      }
    }
    return out;
  }

  /**
   * Round tick values covering [lo, hi] with about {@code target} intervals: steps of 1, 2 or 5
   * times a power of ten, the first tick <= lo and the last >= hi.
   */
  static double[] ticks(double lo, double hi, int target) {
    double span = hi - lo;
    if (!(span > 0)) {
      span = Math.max(Math.abs(hi), 1);
    }
    double raw = span / target;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double norm = raw / mag;
    double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
    double start = Math.floor(lo / step + 1e-9) * step;
    int count = (int) Math.ceil((hi - start) / step - 1e-9);
    count = Math.max(count, 1);
    double[] t = new double[count + 1];
    for (int i = 0; i <= count; i++) {
      t[i] = start + i * step;
    }
    return t;
  }

  private static void legend(Svg s, String[] series, String[] classes, double x0, double y) {
    double x = x0;
    for (int i = 0; i < series.length; i++) {
      s.raw(
          "<rect class=\"swatch "
              + classes[i]
              + "\" x=\""
              + num(x)
              + "\" y=\""
              + num(y - 9)
              + "\" width=\"12\""
              + " height=\"12\" rx=\"2\"/>");
      s.text(x + 18, y + 1, series[i], "legend", "start");
      x += 18 + series[i].length() * CHAR_WIDTH + 24;
    }
  }

  /** Shortens a label to {@code max} characters keeping its start and its informative end. */
  static String shorten(String s, int max) {
    if (s.length() <= max || max < 5) {
      return s;
    }
    int tail = (max - 1) * 2 / 3;
    return s.substring(0, max - 1 - tail) + "\u2026" + s.substring(s.length() - tail);
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  static String num(double v) {
    String t = String.format(Locale.ROOT, "%.1f", v);
    return t.endsWith(".0") ? t.substring(0, t.length() - 2) : t;
  }

  /** A tiny SVG writer: an svg element of width {@link #WIDTH} scaled to its container. */
  private static final class Svg {
    private final StringBuilder sb = new StringBuilder();

    Svg(String id, String title, double width, double height) {
      sb.append("<svg id=\"")
          .append(Html.escape(id))
          .append("\" class=\"chart\" viewBox=\"0 0 ")
          .append(num(width))
          .append(' ')
          .append(num(height))
          .append("\" role=\"img\" aria-label=\"")
          .append(Html.escape(title))
          .append("\">");
    }

    void raw(String s) {
      sb.append(s);
    }

    void line(double x1, double y1, double x2, double y2, String cls) {
      sb.append("<line class=\"")
          .append(cls)
          .append("\" x1=\"")
          .append(num(x1))
          .append("\" y1=\"")
          .append(num(y1))
          .append("\" x2=\"")
          .append(num(x2))
          .append("\" y2=\"")
          .append(num(y2))
          .append("\"/>");
    }

    void text(double x, double y, String text, String cls, String anchor) {
      sb.append("<text class=\"")
          .append(cls)
          .append("\" x=\"")
          .append(num(x))
          .append("\" y=\"")
          .append(num(y))
          .append("\" text-anchor=\"")
          .append(anchor)
          .append("\">")
          .append(Html.escape(text))
          .append("</text>");
    }

    String close() {
      return sb.append("</svg>").toString();
    }
  }
}
