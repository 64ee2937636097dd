package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.bench.record.ResultLog;

class ResultsPageTest {
  @TempDir Path dir;

  private static Map<String, Object> e1(String id, String drop, String date) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("experiment", 1);
    m.put("command", "./bench results --only " + id);
    m.put("metrics", Map.of("drop", drop, "source", "published (X)"));
    m.put("settings", Map.of("seed", "42", "machine", date));
    m.put("date", date + "T00:00:00Z");
    m.put("git", "abc");
    return m;
  }

  @Test
  void documentHasTheBlocksInOrderAndTheLatestRowPerId() throws Exception {
    ResultLog exp = new ResultLog(dir.resolve(ResultsPage.EXPERIMENTS));
    exp.append(e1("e1/r/cp", "9.99", "2026-01-01"));
    exp.append(e1("published/e1/paper CP", "0.43", ""));
    exp.append(e1("e1/r/cp", "2.09", "2026-01-02"));
    String doc = ResultsPage.document(dir);
    int t = doc.indexOf("<!-- trust:begin -->");
    int r = doc.indexOf("<!-- real:begin -->");
    int e = doc.indexOf("<!-- experiments:begin -->");
    assertTrue(0 < t && t < r && r < e, doc);
    assertFalse(doc.contains("9.99"), "an older line of the same id is not shown");
    String row =
        doc.lines().filter(l -> l.startsWith("| measured | e1/r/cp |")).findFirst().orElseThrow();
    assertTrue(row.contains("| 2.09 |") && row.contains("| 2026-01-02 | abc |"), row);
    int published = doc.indexOf("Published (X): paper CP: drop 0.43.");
    assertTrue(
        0 < published && published < doc.indexOf("| measured | e1/r/cp |"),
        "published rows beside ours, on one line above the table");
    assertFalse(doc.contains("| published (X) |"), "published rows are not table rows");
    String settings =
        doc.lines().filter(l -> l.startsWith("Settings of every row")).findFirst().orElseThrow();
    assertTrue(settings.contains(": seed: 42"), "a setting every row shares is stated once");
    assertFalse(settings.contains("machine:"), "a setting that differs is not");
    assertTrue(doc.contains("`./bench results --only e1/r/cp`"), "each row has its rerun command");
    assertEquals(doc, ResultsPage.document(dir), "rendering is a function of the data");
  }

  @Test
  void readmeFiguresComeFromTheirRowsAndOnlyBetweenTheMarkers() throws Exception {
    Path trustFile = dir.resolve("trust.jsonl");
    ResultLog trust = new ResultLog(trustFile);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", "default/resnet20");
    row.put("params_removed", 0.0398);
    row.put("top1_original", 0.8103);
    row.put("top1_written", 0.8105);
    row.put("test_agreement", 0.9884);
    row.put("speedup_b1", 0.4973);
    trust.append(row);
    Map<Path, Map<String, Map<String, Object>>> latest = Map.of(TrustBench.DATA, trust.latest());
    String block = ResultsPage.figures(latest);
    assertTrue(
        block.contains(
            "| `compress` defaults, ResNet-20 | params removed 3.98%, top1 original 81.03%, "
                + "top1 written 81.05%, test agreement 98.84%, speedup b1 0.50x | `default/resnet20`"
                + " (results/trust.jsonl) |"),
        block);
    assertTrue(block.contains("| `compress` defaults, ResNet-56 | not measured yet |"), block);

    Path plain = dir.resolve("plain.md");
    java.nio.file.Files.writeString(plain, "# readme\n");
    assertFalse(ResultsPage.renderFigures(plain, new ResultLog(trustFile)));
    assertEquals(
        "# readme\n",
        java.nio.file.Files.readString(plain),
        "a README without the markers is left alone");
  }
}
