package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.graph.Model;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;
import picocli.CommandLine;

class CpPeersBenchTest {
  @TempDir Path dir;

  @Test
  void inputsFollowThePeerRecipe() {
    for (CpPeersBench.PeerCase c : CpPeersBench.CASES) {
      DenseTensor x = CpPeersBench.input(c);
      int[] s = c.shape();
      double fanIn = (double) s[1] * s[2] * s[3];
      double rms = x.frobeniusNorm() / Math.sqrt(x.size());
      assertEquals(Math.sqrt(2 / fanIn), rms, 1e-12, c.id() + ": Kaiming RMS");
      assertEquals(c.threeWay() ? 3 : 4, x.order(), c.id());
    }
  }

  /** The planted row recovers its exact CP rank; the row records the error it measured. */
  @Test
  void plantedRowIsRecoveredAndRecordedWithItsCommand() throws Exception {
    CpPeersBench.PeerCase planted =
        CpPeersBench.CASES.stream().filter(CpPeersBench.PeerCase::planted).findFirst().get();
    Map<String, Object> row = CpPeersBench.measure(LinearAlgebra.openBlas(1), planted, 1);
    assertTrue(((Number) row.get("relative_error")).doubleValue() < 1e-6, row.toString());
    assertEquals("./bench cp-peers --only cp8_conv64-cp4-r8", row.get("command"));
    assertTrue(((Number) row.get("speedup")).doubleValue() > 0);
  }

  @Test
  void commandAppendsRowsAndRendersTheBlock() throws Exception {
    Path data = dir.resolve("cp.jsonl");
    Path results = dir.resolve("RESULTS.md");
    Files.writeString(results, "# r\n\n<!-- cp:begin -->\n<!-- cp:end -->\n");
    StringWriter out = new StringWriter();
    int code =
        new CommandLine(new CpPeersBench())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(new StringWriter()))
            .execute(
                "--only",
                "cp8_conv64",
                "--repeats",
                "1",
                "--data",
                data.toString(),
                "--results",
                results.toString());
    assertEquals(0, code);
    assertEquals(1, new ResultLog(data).rows().size());
    String md = Files.readString(results);
    assertTrue(md.contains("| cp8_conv64-cp4-r8 | [64,64,3,3] | 8 |"), md);
  }

  /** Issue 19 asks for a ratio on every peer case, so every case carries a TensorLy figure. */
  @Test
  void everyPeerCaseHasATensorlyFigureWithItsSource() {
    for (CpPeersBench.PeerCase c : CpPeersBench.CASES) {
      assertTrue(c.tensorlySeconds() > 0, c.id() + ": TensorLy seconds " + c.tensorlySeconds());
      assertTrue(
          c.tensorlyError() >= 0 && c.tensorlyError() < 1,
          c.id() + ": TensorLy error " + c.tensorlyError());
      assertTrue(
          c.tensorlySource().contains("CPU s") || c.tensorlySource().contains("wall s"),
          c.id() + ": the source names its time unit: " + c.tensorlySource());
    }
  }

  @Test
  void equalErrorAllowsOnlyTheSlack() {
    assertTrue(CpPeersBench.equalError(0.9720, 0.9720));
    assertTrue(CpPeersBench.equalError(0.9729, 0.9720));
    assertFalse(CpPeersBench.equalError(0.9731, 0.9720));
  }

  /** The verdict counts a row only when it is at least 2x faster and at equal error. */
  @Test
  void verdictNamesRowsSlowerOrAtHigherError() {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    latest.put("fast", row("fast", 0.90, 0.90, 5.0));
    latest.put("worse", row("worse", 0.95, 0.90, 5.0));
    latest.put("slow", row("slow", 0.90, 0.90, 1.5));
    Map<String, Object> none = row("none", 0.90, 0.90, 1);
    none.keySet().removeAll(List.of("tensorly_s", "tensorly_error", "speedup"));
    latest.put("none", none);
    String md = CpPeersBench.render(latest);
    assertTrue(
        md.contains("1 of 4 rows at least 2x faster at equal error")
            && md.contains("not: worse, slow, none (no TensorLy figure)."),
        md);
    assertTrue(md.contains("| 5.0x, error higher |"), md);
    assertTrue(md.contains("| 5.0x |"), md);
  }

  private static Map<String, Object> row(
      String id, double error, double tensorlyError, double speedup) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", id);
    r.put("relative_error", error);
    r.put("cpu_s", 1.0);
    r.put("tensorly_s", speedup);
    r.put("tensorly_error", tensorlyError);
    r.put("speedup", speedup);
    r.put("tensorly_source", "test");
    return r;
  }

  @Test
  void inceptionV3HasItsConvCountAndSize() {
    Model m = InceptionV3Onnx.build(1);
    assertEquals(94, InceptionV3Onnx.convCount(m));
    assertEquals(23_817_352, InceptionV3Onnx.parameters(m));
  }
}
