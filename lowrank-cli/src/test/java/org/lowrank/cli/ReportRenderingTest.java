package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.plan.LayerDecision;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.HtmlReport;
import org.lowrank.report.ReportFiles;
import org.lowrank.report.ReportJson;

/**
 * Opens the HTML report in a real browser: Debian's headless Chromium ({@code /usr/bin/chromium},
 * installed by scripts/install.sh; override with {@code -Dlowrank.chromium=PATH}) takes a
 * screenshot and dumps the rendered DOM. Skipped when Chromium is absent. The report is
 * src/test/resources/report/sample-report.json: a ResNet-20 hybrid plan with one extra layer named
 * {@code <script>alert(1)</script>}. The screenshot is kept as target/report-rendering/report.png
 * for people to look at.
 */
class ReportRenderingTest {
  private static final int WIDTH = 1280;
  private static final int HEIGHT = 2000;
  private static final long TIMEOUT_SECONDS = 60;
  private static final String EVIL = "<script>alert(1)</script>";

  /** Fill colours of the "before" and "after" bars (--s0, --s1 in HtmlReport's CSS). */
  private static final int BEFORE_RGB = 0xb3bfd1;

  private static final int AFTER_RGB = 0x2f6bd8;

  private static Path chromium;
  private static CompressionReport report;

  @BeforeAll
  static void setUp() throws IOException {
    chromium = Path.of(System.getProperty("lowrank.chromium", "/usr/bin/chromium"));
    Assumptions.assumeTrue(
        Files.isExecutable(chromium),
        chromium + " not found: install Debian's chromium (scripts/install.sh) to run this test");
    try (InputStream in =
        ReportRenderingTest.class.getResourceAsStream("/report/sample-report.json")) {
      assertNotNull(in, "test resource report/sample-report.json missing");
      report =
          ReportJson.read(
              new String(in.readAllBytes(), StandardCharsets.UTF_8), "sample-report.json");
    }
  }

  private static Path writeHtml(Path dir) throws IOException {
    Path html = dir.resolve("report.html");
    ReportFiles.writeAtomically(html, HtmlReport.render(report));
    return html;
  }

  /**
   * Runs Chromium headless on {@code html} with the given extra flags, a fresh profile and no
   * network services; returns its standard output. Fails on a non-zero exit or after the timeout.
   */
  private static String runChromium(Path dir, Path html, String... extra)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(dir, "profile");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--user-data-dir=" + profile,
                "--window-size=" + WIDTH + "," + HEIGHT));
    cmd.addAll(List.of(extra));
    cmd.add(html.toUri().toString());
    Path out = dir.resolve("chromium.out");
    Path err = dir.resolve("chromium.err");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("HOME", dir.toString()); // keep caches and crash dumps in the temp dir
    pb.environment().put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    pb.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
    Process p = pb.start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail(
          "chromium did not finish within "
              + TIMEOUT_SECONDS
              + " s: "
              + String.join(" ", cmd)
              + "\nstderr tail:\n"
              + tail(err));
    }
    assertEquals(0, p.exitValue(), "chromium failed: " + String.join(" ", cmd) + "\n" + tail(err));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static String tail(Path file) throws IOException {
    String s = Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
  }

  @Test
  void screenshotShowsThePage(@TempDir Path dir) throws Exception {
    Path html = writeHtml(dir);
    Path png = dir.resolve("report.png");
    runChromium(dir, html, "--screenshot=" + png);
    assertTrue(Files.size(png) > 10_000, "screenshot missing or tiny: " + png);
    Path kept = Path.of("target", "report-rendering");
    Files.createDirectories(kept);
    Files.copy(png, kept.resolve("report.png"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(html, kept.resolve("report.html"), StandardCopyOption.REPLACE_EXISTING);

    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "not a PNG ImageIO can read: " + png);
    assertEquals(WIDTH, img.getWidth());
    assertEquals(HEIGHT, img.getHeight());

    Set<Integer> colors = new HashSet<>();
    int background = img.getRGB(2, HEIGHT - 2) & 0xffffff;
    long notBackground = 0;
    long before = 0;
    long after = 0;
    int beforeTop = HEIGHT; // only the "before" bars and their legend swatch use this colour
    int beforeBottom = 0;
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colors.add(rgb);
        notBackground += rgb != background ? 1 : 0;
        after += rgb == AFTER_RGB ? 1 : 0;
        if (rgb == BEFORE_RGB) {
          before++;
          beforeTop = Math.min(beforeTop, y);
          beforeBottom = Math.max(beforeBottom, y);
        }
      }
    }
    assertTrue(colors.size() > 200, "too few colours for a rendered page: " + colors.size());
    assertTrue(
        notBackground > WIDTH * HEIGHT / 5, "page looks blank: " + notBackground + " pixels drawn");
    // the bars of the parameter chart: solid fills in both series colours over a tall region
    assertTrue(before > 5_000, "'before' bars missing: " + before + " pixels");
    assertTrue(after > 2_000, "'after' bars missing: " + after + " pixels");
    assertTrue(beforeBottom - beforeTop > 400, "bars span rows " + beforeTop + ".." + beforeBottom);
  }

  @Test
  void renderedDomHasEveryLayerRowAndNoInjectedScript(@TempDir Path dir) throws Exception {
    String dom = runChromium(dir, writeHtml(dir), "--dump-dom");
    assertTrue(dom.contains("</html>"), "no DOM dumped:\n" + dom);
    List<String> rows = new ArrayList<>();
    Matcher m =
        Pattern.compile("<tr class=\"layer-row[^\"]*\" data-layer=\"([^\"]*)\"").matcher(dom);
    while (m.find()) {
      rows.add(m.group(1));
    }
    List<LayerDecision> layers = report.plan().layers();
    assertEquals(layers.size(), rows.size(), "one table row per layer in the rendered DOM");
    for (int i = 0; i < layers.size(); i++) {
      assertEquals(escape(layers.get(i).layer()), rows.get(i), "row " + i);
    }
    assertTrue(
        layers.stream().anyMatch(l -> l.layer().equals(EVIL)),
        "fixture lost its hostile layer name");
    assertFalse(
        dom.toLowerCase(Locale.ROOT).contains("<script"), "a layer name became a script element");
    assertTrue(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "hostile name shown as text");
    // the charts made it into the DOM as SVG with two bars per layer
    int start = dom.indexOf("<svg id=\"" + HtmlReport.PARAMS_CHART_ID + "\"");
    assertTrue(start >= 0, "parameter chart missing");
    String chart = dom.substring(start, dom.indexOf("</svg>", start));
    assertEquals(2 * layers.size(), chart.split("<rect class=\"bar ", -1).length - 1);
    assertTrue(dom.contains("id=\"" + HtmlReport.TRADEOFF_CHART_ID + "\""));
    assertTrue(dom.contains("id=\"" + HtmlReport.LATENCY_CHART_ID + "\""));
  }

  /** How Chromium serializes an attribute value (&amp;, &quot;, and &lt; &gt; in attributes). */
  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("\"", "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\u00a0", "&nbsp;");
  }
}
