package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.onnx.OnnxReader;

/** {@code --method prune}, {@code --prune-keep} and {@code --prune-criterion} on ResNet-20. */
class FilterPruningCliTest {
  @TempDir Path tmp;

  private static long macs(Path p) throws Exception {
    Model m = OnnxReader.read(p);
    return ModelProfile.of(m).totalMacs();
  }

  @Test
  void pruneAloneMeetsTheMacsBudgetWithoutFactorizing() throws Exception {
    Path model = CliCommandsTest.resnet20();
    Assumptions.assumeTrue(Files.isRegularFile(model), "shared model absent: " + model);
    Path out = tmp.resolve("p.onnx");
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "compress",
            model.toString(),
            "-o",
            out.toString(),
            "--method",
            "prune",
            "--keep-flops",
            "0.75",
            "--rank-multiple",
            "16",
            "--threads",
            "1",
            "--no-latency",
            "--force",
            "-q");
    assertEquals(0, r.code(), r.err());
    long before = macs(model);
    long after = macs(out);
    assertTrue(after <= 0.75 * before && after > 0.5 * before, before + " -> " + after);
    Model pruned = OnnxReader.read(out);
    for (Node conv : pruned.graph().nodes()) {
      if (conv.opType().equals("Conv")) {
        long k = pruned.graph().initializer(conv.input(1)).orElseThrow().dim(0);
        assertEquals(0, k % 16, conv.name() + ": channel counts on --rank-multiple 16, found " + k);
      }
    }
    assertEquals(
        OnnxReader.read(model).graph().nodes().size(),
        OnnxReader.read(out).graph().nodes().size(),
        "pruning removes channels, not nodes; nothing factorized");
    // the allocator adds the groups' lost L1 shares linearly: it cuts deep into the last stage's
    // inner groups and keeps the first one of the stage whole; the log of the kept share spread
    // the cuts onto it (64 -> 48) and lost 13 points of top-1 before fine-tuning (34.2% -> 21.2%)
    String w = pruned.graph().node("/layer3/layer3.0/conv1/Conv").orElseThrow().input(1);
    assertEquals(64, pruned.graph().initializer(w).orElseThrow().dim(0), w);
  }

  @Test
  void pruneThenFactorizeMeetsTheBudgetOfTheOriginal() throws Exception {
    Path model = CliCommandsTest.resnet20();
    Assumptions.assumeTrue(Files.isRegularFile(model), "shared model absent: " + model);
    Path out = tmp.resolve("h.onnx");
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "compress",
            model.toString(),
            "-o",
            out.toString(),
            "--prune-keep",
            "0.75",
            "--keep-flops",
            "0.6",
            "--method",
            "tucker",
            "--selector",
            "energy",
            "--threads",
            "1",
            "--no-latency",
            "--force",
            "-q");
    assertEquals(0, r.code(), r.err());
    long before = macs(model);
    long after = macs(out);
    assertTrue(after <= 0.6 * before, before + " -> " + after);
    assertTrue(
        OnnxReader.read(out).graph().nodes().size() > OnnxReader.read(model).graph().nodes().size(),
        "pruning a quarter is not enough: layers were factorized too");
  }

  @Test
  void badPruneOptionsAreBadInput() {
    CliCommandsTest.Run none =
        CliCommandsTest.run(
            "compress", "m.onnx", "-o", tmp.resolve("p.onnx").toString(), "--method", "prune");
    assertEquals(ExitCodes.BAD_INPUT, none.code(), none.err());
    assertTrue(none.err().contains("--keep-params, --keep-flops or --keep-latency"), none.err());
    CliCommandsTest.Run both =
        CliCommandsTest.run(
            "compress",
            "m.onnx",
            "-o",
            tmp.resolve("p.onnx").toString(),
            "--method",
            "prune",
            "--prune-keep",
            "0.5",
            "--keep-flops",
            "0.75");
    assertEquals(ExitCodes.BAD_INPUT, both.code(), both.err());
    assertTrue(both.err().contains("drop --prune-keep"), both.err());
    CliCommandsTest.Run criterion =
        CliCommandsTest.run(
            "plan",
            "m.onnx",
            "-o",
            tmp.resolve("p.json").toString(),
            "--prune-keep",
            "0.5",
            "--prune-criterion",
            "l3");
    assertEquals(ExitCodes.BAD_INPUT, criterion.code(), criterion.err());
    assertTrue(criterion.err().contains("l1, l2, feature-map"), criterion.err());
  }
}
