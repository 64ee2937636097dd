package org.lowrank.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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

  @Test
  void inceptionV3HasItsConvCountAndSize() {
    Model m = InceptionV3Onnx.build(1);
    assertEquals(94, InceptionV3Onnx.convCount(m));
    assertEquals(23_817_352, InceptionV3Onnx.parameters(m));
  }
}
