package org.lowrank.bench.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordTest {
  @TempDir Path dir;

  private static Map<String, Object> row(String id, Object value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("value", value);
    return m;
  }

  @Test
  void latestRowPerIdWinsInFirstSeenOrder() throws IOException {
    ResultLog log = new ResultLog(dir.resolve("results/x.jsonl"));
    log.append(row("a", 1));
    log.append(row("b", 2));
    log.append(row("a", 3));
    assertEquals(3, Files.readAllLines(log.file()).size(), "appended, never rewritten");
    Map<String, Map<String, Object>> latest = log.latest();
    assertEquals(List.of("a", "b"), List.copyOf(latest.keySet()));
    assertEquals(3, ((Number) latest.get("a").get("value")).intValue());
  }

  @Test
  void badLineNamesFileAndLine() throws IOException {
    Path f = dir.resolve("x.jsonl");
    Files.writeString(f, "{\"id\":\"a\"}\nnot json\n");
    IOException e = assertThrows(IOException.class, () -> new ResultLog(f).latest());
    assertTrue(e.getMessage().contains(f + " line 2"), e.getMessage());
  }

  @Test
  void rowWithoutIdIsRefused() {
    ResultLog log = new ResultLog(dir.resolve("x.jsonl"));
    assertThrows(IllegalArgumentException.class, () -> log.append(Map.of("value", 1)));
  }

  @Test
  void provenanceStatesCommitCoresAndDate() {
    Map<String, Object> p = ResultLog.provenance();
    assertTrue(p.get("git") instanceof String);
    assertEquals(Runtime.getRuntime().availableProcessors(), p.get("cores"));
    assertTrue(String.valueOf(p.get("date")).endsWith("Z"));
  }

  @Test
  void blockIsReplacedAndTheRestKept() {
    String doc = "# t\n\nintro\n\n<!-- x:begin -->\nold\n<!-- x:end -->\n\n## other\n\nkept\n";
    String out = MarkedBlock.replace(doc, "x", "new body\n");
    assertEquals(
        "# t\n\nintro\n\n<!-- x:begin -->\nnew body\n<!-- x:end -->\n\n## other\n\nkept\n", out);
    assertEquals(out, MarkedBlock.replace(out, "x", "new body"), "rendering twice changes nothing");
  }

  @Test
  void absentBlockGoesBeforeTheFirstSection() {
    String out = MarkedBlock.replace("# t\n\nintro\n\n## a\n", "x", "body");
    assertEquals("# t\n\nintro\n\n<!-- x:begin -->\nbody\n<!-- x:end -->\n\n## a\n", out);
  }

  @Test
  void loneMarkerIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MarkedBlock.replace("# t\n<!-- x:begin -->\n", "x", "body"));
    assertTrue(e.getMessage().contains("without its partner"), e.getMessage());
  }

  @Test
  void writeCreatesTheFile() throws IOException {
    Path f = dir.resolve("R.md");
    MarkedBlock.write(f, "x", "body");
    assertTrue(Files.readString(f).contains("<!-- x:begin -->\nbody\n<!-- x:end -->"));
  }

  @Test
  void shownCommandHasLabelsNotPaths() {
    Path models = dir.resolve("models");
    CliRun run =
        new CliRun(
            List.of(
                "bench", models.resolve("m.onnx").toString(), dir.resolve("out/m.onnx").toString()),
            0,
            "",
            "",
            0);
    Map<Path, String> labels = new LinkedHashMap<>();
    labels.put(dir.resolve("out"), "OUT");
    labels.put(models, "$LOWRANK_MODELS");
    assertEquals("./lowrank bench $LOWRANK_MODELS/m.onnx OUT/m.onnx", run.shown(labels));
  }

  @Test
  void messageIsTheCommandsOneLineVerdict() {
    CliRun run = new CliRun(List.of(), 4, "", "== plan\nlowrank: REJECTED: x\n[main] WARN y\n", 0);
    assertEquals("lowrank: REJECTED: x", run.message());
  }
}
