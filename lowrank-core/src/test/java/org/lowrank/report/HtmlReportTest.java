package org.lowrank.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Cost;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;

class HtmlReportTest {
  private static final String EVIL = "<script>alert(1)</script>";

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The svg element with the given id. */
  private static String svg(String html, String id) {
    int start = html.indexOf("<svg id=\"" + id + "\"");
    assertTrue(start >= 0, "chart " + id + " missing");
    return html.substring(start, html.indexOf("</svg>", start) + 6);
  }

  @Test
  void everyLayerHasARowAndNamesAreEscaped() {
    CompressionReport r = SampleReports.resnet20(List.of(EVIL, "a&b \"quoted\" 'single'"));
    String html = HtmlReport.render(r);
    assertEquals(r.plan().layers().size(), count(html, "<tr class=\"layer-row"));
    for (LayerDecision d : r.plan().layers()) {
      assertTrue(html.contains("data-layer=\"" + Html.escape(d.layer()) + "\""), d.layer());
    }
    assertFalse(html.contains(EVIL), "raw script tag must not appear");
    assertFalse(html.toLowerCase(Locale.ROOT).contains("<script"), "no script element at all");
    assertTrue(
        html.contains(">&lt;script&gt;alert(1)&lt;/script&gt;</div>"), "escaped in the table");
    assertTrue(
        html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"),
        "escaped in the chart");
    assertTrue(html.contains("a&amp;b &quot;quoted&quot; &#39;single&#39;"));
    assertFalse(html.contains("a&b"));
  }

  @Test
  void selfContained() {
    String html = HtmlReport.render(SampleReports.resnet20(List.of()));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    String lower = html.toLowerCase(Locale.ROOT);
    for (String external :
        List.of("http:", "https:", "src=", "href=", "@import", "url(", "<link")) {
      assertFalse(lower.contains(external), "external reference: " + external);
    }
    assertTrue(html.contains("<style>"));
  }

  @Test
  void parameterChartHasTwoBarsPerLayer() {
    CompressionReport r = SampleReports.resnet20(List.of(EVIL));
    String html = HtmlReport.render(r);
    String chart = svg(html, HtmlReport.PARAMS_CHART_ID);
    int layers = r.plan().layers().size();
    assertEquals(2 * layers, count(chart, "<rect class=\"bar "));
    assertEquals(layers, count(chart, "<rect class=\"bar s0\""));
    assertEquals(layers, count(chart, "<rect class=\"bar s1\""));
    String latency = svg(html, HtmlReport.LATENCY_CHART_ID);
    assertEquals(2 * r.latency().size(), count(latency, "<rect class=\"bar "));
    String tradeoff = svg(html, HtmlReport.TRADEOFF_CHART_ID);
    assertEquals(r.explored().size(), count(tradeoff, "<circle class=\"point"));
    assertEquals(1, count(tradeoff, "<circle class=\"point selected\""));
  }

  @Test
  void barLengthsAreProportionalToParameters() {
    CompressionReport r = SampleReports.resnet20(List.of());
    String chart = svg(HtmlReport.render(r), HtmlReport.PARAMS_CHART_ID);
    Matcher m =
        Pattern.compile(
                "<rect class=\"bar s(\\d)\" x=\"[\\d.]+\" y=\"[\\d.]+\" width=\"([\\d.]+)\"")
            .matcher(chart);
    double[] widths = new double[2 * r.plan().layers().size()];
    int i = 0;
    while (m.find()) {
      widths[i++] = Double.parseDouble(m.group(2));
    }
    // layer 7 (first of stage 2) before vs the stem before: 4640 vs 448 parameters
    LayerDecision stem = r.plan().layers().get(0);
    LayerDecision big = r.plan().layers().get(14);
    double expected = (double) big.before().params() / stem.before().params();
    assertEquals(expected, widths[28] / widths[0], 0.02 * expected, "widths are rounded to 0.1");
    for (int k = 0; k < widths.length; k += 2) {
      assertTrue(widths[k + 1] <= widths[k] + 1e-9, "after bar not longer than before bar");
    }
  }

  @Test
  void summaryNumbersAreFormatted() {
    CompressionReport r = SampleReports.resnet20(List.of());
    String html = HtmlReport.render(r);
    assertTrue(
        html.contains(">\u2212" + Fmt.percent(r.paramsRemovedFraction(), 1) + "</div>"),
        "params removed card");
    assertTrue(html.contains(">81.93%</div>"), "final top-1 accuracy card");
    assertTrue(html.contains("original 82.36% \u00b7 \u22120.43 pt"));
    assertTrue(html.contains(">1.81\u00d7</div>"), "speedup card");
    assertTrue(html.contains("<td class=\"num\">0.842 ms</td>"));
    assertTrue(html.contains("keep 25% of parameters"));
    assertTrue(html.contains(Fmt.count(r.totalBefore().params())));
  }

  @Test
  void missingSectionsAreOmitted() {
    String html = HtmlReport.render(SampleReports.minimal());
    for (String id : List.of("latency", "accuracy", "exploration", "warnings")) {
      assertFalse(html.contains("id=\"" + id + "\""), id + " section should be left out");
    }
    assertFalse(html.contains(HtmlReport.LATENCY_CHART_ID));
    assertFalse(html.contains(HtmlReport.TRADEOFF_CHART_ID));
    assertFalse(html.contains("Top-1"));
    assertFalse(html.contains("Speedup"));
    assertFalse(html.contains("Timings"));
    assertTrue(html.contains("id=\"layers\""));
    assertTrue(html.contains(HtmlReport.PARAMS_CHART_ID));
    assertFalse(html.contains("NaN") || html.contains("null"), "no placeholders leak");
  }

  @Test
  void degenerateInputsRenderWithoutPlaceholders() {
    Plan p = SampleReports.resnet20Plan(List.of());
    Plan empty =
        new Plan(
            "empty",
            "ratio",
            Budget.none(),
            0,
            null,
            List.of(),
            new Cost(10, 10),
            new Cost(10, 10));
    CompressionReport r =
        CompressionReport.builder()
            .setPlan(empty)
            .optExplored(new CompressionReport.ExploredPoint("only", 0.5, 0.5, 0.9, true))
            .optAccuracyCompressed(CompressionReport.Accuracy.top1(0.5, "", 10))
            .build();
    String html = HtmlReport.render(r);
    assertFalse(html.contains("NaN") || html.contains("Infinity") || html.contains("null"), html);
    assertTrue(html.contains("none (per-layer threshold)"));
    assertFalse(html.contains(HtmlReport.PARAMS_CHART_ID), "no layers, no chart");
    assertEquals(1, count(html, "<circle class=\"point selected\""));
    String text = ReportText.summary(r);
    assertFalse(text.contains("NaN") || text.contains("Infinity"), text);
    assertEquals(
        p.layers().size(),
        count(
            HtmlReport.render(CompressionReport.builder().setPlan(p).build()),
            "<tr class=\"layer-row"));
  }

  @Test
  void formatting() {
    assertEquals("77.6%", Fmt.percent(0.7762, 1));
    assertEquals("-0.43 pt", Fmt.points(-0.0043));
    assertEquals("270,410", Fmt.count(270_410));
    assertEquals("270.4k", Fmt.compact(270_410));
    assertEquals("40.6M", Fmt.compact(40_600_000));
    assertEquals("1.00M", Fmt.compact(999_999));
    assertEquals("432", Fmt.compact(432));
    assertEquals("0.842 ms", Fmt.millis(0.842));
    assertEquals("3 min 14 s", Fmt.seconds(194.26));
    assertEquals("?x3x32x32", Fmt.shape(new long[] {-1, 3, 32, 32}, "x"));
    assertEquals("0.25", Fmt.tick(0.25, 0.05));
    assertEquals("20", Fmt.tick(20, 10));
  }

  @Test
  void niceTicksCoverTheRange() {
    double[] t = SvgCharts.ticks(0, 36_928, 5);
    assertEquals(0, t[0]);
    assertTrue(
        t[t.length - 1] >= 36_928 && t[t.length - 1] <= 40_000, java.util.Arrays.toString(t));
    double[] y = SvgCharts.ticks(0.745, 0.829, 5);
    assertTrue(y[0] <= 0.745 && y[y.length - 1] >= 0.829);
    assertEquals(0.02, y[1] - y[0], 1e-12);
  }

  @Test
  void frontierKeepsOnlyUndominatedPoints() {
    CompressionReport r = SampleReports.resnet20(List.of());
    List<CompressionReport.ExploredPoint> f = SvgCharts.frontier(r.explored());
    for (int i = 1; i < f.size(); i++) {
      assertTrue(f.get(i).paramsKept() > f.get(i - 1).paramsKept());
      assertTrue(f.get(i).quality() > f.get(i - 1).quality());
    }
    assertFalse(
        f.stream().anyMatch(p -> p.label().equals("tucker only")),
        "dominated by 0.95 (0.24, 0.8193)");
    assertTrue(f.stream().anyMatch(p -> p.label().equals("threshold 0.95")));
  }

  @Test
  void labelsAreShortenedKeepingTheEnd() {
    assertEquals(
        "/layer3/la\u2026/layer3.2/conv2/Conv",
        SvgCharts.shorten("/layer3/layer3.2/layer3.2/conv2/Conv", 31));
    assertEquals("short", SvgCharts.shorten("short", 31));
  }

  @Test
  void pruningSectionListsEveryGroup() {
    CompressionReport r =
        CompressionReport.builder()
            .setPlan(SampleReports.resnet20Plan(List.of()))
            .optPruning(
                new CompressionReport.Pruning(
                    "feature-map",
                    0.75,
                    List.of(
                        new CompressionReport.PrunedGroup(List.of("a<1>"), 32, 16, ""),
                        new CompressionReport.PrunedGroup(
                            List.of("fc"), 10, 10, "unprunable: output"))))
            .build();
    String html = HtmlReport.render(r);
    assertTrue(html.contains("<section id=\"pruning\">"), html);
    assertTrue(html.contains("1 of 2 channel groups pruned (feature-map)"), html);
    assertTrue(html.contains("<tr><td>a&lt;1&gt;</td><td>32 &rarr; 16</td><td></td></tr>"), html);
    assertTrue(html.contains("<tr><td>fc</td><td>10</td><td>unprunable: output</td></tr>"), html);
    assertFalse(HtmlReport.render(SampleReports.minimal()).contains("id=\"pruning\""));
  }
}
