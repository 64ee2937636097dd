package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.prune.ChannelDependencies;
import org.lowrank.prune.ChannelGroup;
import org.lowrank.prune.ChannelPruner;
import org.lowrank.prune.PruneSelection;

/**
 * Channel pruning against facts, in ONNX Runtime: the pruned model computes exactly what the
 * original computes with the removed channels' consumer weights zeroed, and coupled channels go
 * together.
 */
class ChannelPruningOrtTest {

  private static ChannelGroup group(ChannelDependencies d, String producer) {
    return d.groupOf(producer).orElseThrow(() -> new AssertionError("no group for " + producer));
  }

  private static long[] weightDims(Model m, String node, int input) {
    Node n = m.graph().node(node).orElseThrow();
    return m.graph().initializer(n.input(input)).orElseThrow().dims();
  }

  /** Pruned equals masked in ORT, and the pruned model is smaller. */
  private static Model assertPrunedEqualsMasked(ChannelDependencies d, PruneSelection s) {
    Model pruned = ChannelPruner.prune(d, s);
    Model masked = ChannelPruner.maskConsumers(d, s);
    RewriteOrtTest.assertMatches(masked, pruned);
    long before = count(d.model());
    long after = count(pruned);
    assertTrue(after < before, "pruned " + after + " params, original " + before);
    return pruned;
  }

  private static long count(Model m) {
    return m.graph().initializers().values().stream().mapToLong(TensorValue::elementCount).sum();
  }

  @Test
  void residualBlockIsPrunedConsistently() {
    Model m = PruneModels.residual(1);
    ChannelDependencies d = ChannelDependencies.analyze(m);
    ChannelGroup spine = group(d, "stem");
    assertEquals(spine, group(d, "block.conv2"), "the residual Add couples stem and conv2");
    assertTrue(spine.prunable(), spine.reasons().toString());
    assertTrue(spine.uniform());
    assertEquals(8, spine.width());
    ChannelGroup inner = group(d, "block.conv1");
    assertTrue(inner.prunable() && inner.index() != spine.index());
    ChannelGroup out = group(d, "fc");
    assertFalse(out.prunable());
    assertTrue(out.reasons().get(0).contains("model output 'y'"), out.reasons().toString());

    PruneSelection s = PruneSelection.of(spine, 1, 4, 6).plus(PruneSelection.of(inner, 0, 7));
    Model p = assertPrunedEqualsMasked(d, s);
    assertArrayEquals(new long[] {5, 4, 3, 3}, weightDims(p, "stem", 1));
    assertArrayEquals(new long[] {5}, weightDims(p, "bn", 3));
    assertArrayEquals(new long[] {6, 5, 3, 3}, weightDims(p, "block.conv1", 1));
    assertArrayEquals(new long[] {5, 6, 3, 3}, weightDims(p, "block.conv2", 1));
    assertArrayEquals(new long[] {5, 5}, weightDims(p, "fc", 1));
    assertArrayEquals(new long[] {8, 4, 3, 3}, weightDims(m, "stem", 1), "input untouched");
  }

  @Test
  void concatOffsetsAndFlattenIntoGemm() {
    Model m = PruneModels.concatFlatten(2);
    ChannelDependencies d = ChannelDependencies.analyze(m);
    ChannelGroup cat = group(d, "convA");
    assertEquals(cat, group(d, "convB"), "Concat puts both producers in one group");
    assertEquals(9, cat.width());
    assertFalse(cat.uniform(), "convA holds 6 of the 9 channels");
    ChannelGroup flat = group(d, "convC");
    assertEquals(16, d.placement("f").orElseThrow().block(), "Flatten: a block of 4x4 per channel");
    // channel 7 is convB's second output (offset 6 in the Concat)
    int unitOfB1 = d.placement("c").orElseThrow().units()[7];
    Model p =
        assertPrunedEqualsMasked(
            d, PruneSelection.of(cat, 0, 3, unitOfB1).plus(PruneSelection.of(flat, 2)));
    assertArrayEquals(new long[] {4, 4, 3, 3}, weightDims(p, "convA", 1));
    assertArrayEquals(new long[] {2, 4, 1, 1}, weightDims(p, "convB", 1));
    assertArrayEquals(new long[] {6, 1, 1}, weightDims(p, "mul", 1));
    assertArrayEquals(new long[] {4, 6, 3, 3}, weightDims(p, "convC", 1));
    assertArrayEquals(new long[] {64, 3}, weightDims(p, "fc", 1));
  }

  @Test
  void padShortcutAndDepthwiseConv() {
    Model m = PruneModels.padShortcut(3);
    ChannelDependencies d = ChannelDependencies.analyze(m);
    ChannelGroup sum = group(d, "pw");
    assertEquals(8, sum.width(), "8 pointwise channels: 4 are conv0's via the Pad, 4 are zero");
    ChannelGroup stem = group(d, "conv0");
    assertEquals(sum, stem, "the Pad places conv0's channels at offset 2 of the Add");
    assertEquals(stem, group(d, "dw"), "a depthwise conv's channels follow its input");
    assertTrue(sum.prunable(), sum.reasons().toString());
    int[] addUnits = d.placement("sum").orElseThrow().units();
    // remove a padded zero channel (position 0), conv0's channel 1 (position 3) and position 7
    Model p =
        assertPrunedEqualsMasked(d, PruneSelection.of(sum, addUnits[0], addUnits[3], addUnits[7]));
    assertArrayEquals(new long[] {3, 4, 3, 3}, weightDims(p, "conv0", 1));
    assertArrayEquals(new long[] {3, 1, 3, 3}, weightDims(p, "dw", 1));
    assertEquals(3, p.graph().node("dw").orElseThrow().attrLong("group", 0));
    assertArrayEquals(new long[] {5, 3, 1, 1}, weightDims(p, "pw", 1));
    assertArrayEquals(new long[] {3, 5, 1, 1}, weightDims(p, "head", 1));
  }

  @Test
  void impossibleGroupsAreRefusedWithAReason() {
    Model m = PruneModels.unprunable(4);
    ChannelDependencies d = ChannelDependencies.analyze(m);
    ChannelGroup c0 = group(d, "conv0");
    assertFalse(c0.prunable());
    assertTrue(c0.reasons().get(0).contains("grouped conv (group 2)"), c0.reasons().toString());
    ChannelGroup g = group(d, "g");
    assertFalse(g.prunable());
    assertTrue(String.join(";", g.reasons()).contains("tr (Transpose)"), g.reasons().toString());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ChannelPruner.prune(d, PruneSelection.of(c0, 1)));
    assertTrue(
        e.getMessage().contains("conv0") && e.getMessage().contains("grouped conv"),
        e.getMessage());
    ChannelDependencies r = ChannelDependencies.analyze(PruneModels.residual(1));
    ChannelGroup inner = group(r, "block.conv1");
    IllegalArgumentException all =
        assertThrows(
            IllegalArgumentException.class,
            () -> ChannelPruner.prune(r, PruneSelection.of(inner, 0, 1, 2, 3, 4, 5, 6, 7)));
    assertTrue(all.getMessage().contains("every channel"), all.getMessage());
  }

  @Test
  void randomSelectionsOfEveryPrunableGroupMatchTheMaskedModel() {
    Random rnd = new Random(7);
    for (Model m :
        List.of(
            PruneModels.residual(5), PruneModels.concatFlatten(6), PruneModels.padShortcut(7))) {
      ChannelDependencies d = ChannelDependencies.analyze(m);
      Map<Integer, int[]> removed = new LinkedHashMap<>();
      for (ChannelGroup g : d.prunableGroups()) {
        List<Integer> units = new ArrayList<>();
        for (int u = 0; u < g.width(); u++) {
          if (rnd.nextDouble() < 0.3) {
            units.add(u);
          }
        }
        if (units.size() < g.width() - 1) {
          removed.put(g.index(), units.stream().mapToInt(Integer::intValue).toArray());
        }
      }
      assertPrunedEqualsMasked(d, PruneSelection.of(removed));
    }
  }

  @Test
  void resnet20InnerChannelsPrunedMatchMaskedOnStoredInput() throws Exception {
    Path dir = TestData.modelDir("resnet20_cifar10");
    Path file = dir.resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(file), "shared model absent: " + file);
    Model model = OnnxReader.read(file);
    ChannelDependencies d = ChannelDependencies.analyze(model);
    ChannelGroup spine = group(d, "/conv1/Conv");
    assertTrue(spine.prunable(), spine.reasons().toString());
    assertEquals(
        List.of("/layer2/layer2.0/conv2/Conv", "/layer3/layer3.0/conv2/Conv"),
        spine.producers().stream()
            .filter(p -> p.endsWith(".0/conv2/Conv") && !p.contains("1.0"))
            .toList(),
        "the Pad shortcuts chain the three stages into one group");
    Map<Integer, int[]> removed = new LinkedHashMap<>();
    int inner = 0;
    for (ChannelGroup g : d.prunableGroups()) {
      if (g.uniform()
          && g.producers().size() == 1
          && g.producers().get(0).endsWith("conv1/Conv")
          && !g.producers().get(0).equals("/conv1/Conv")) {
        removed.put(g.index(), new int[] {0, 2, g.width() - 1});
        inner++;
      }
    }
    assertEquals(9, inner, "one inner group per basic block");
    PruneSelection s = PruneSelection.of(removed);
    Model pruned = ChannelPruner.prune(d, s);
    Model masked = ChannelPruner.maskConsumers(d, s);
    TensorValue input = TestData.readTensor(dir.resolve("test_data_set_0/input_0.pb"));
    try (OrtRunner a = OrtRunner.open(masked, "masked", RuntimeOptions.singleThreaded());
        OrtRunner b = OrtRunner.open(pruned, "pruned", RuntimeOptions.singleThreaded())) {
      OutputDifference diff = ExportCheck.difference("output_0", a.run(input), b.run(input));
      assertTrue(diff.maxRelativeDifference() <= 1e-4, diff.toString());
    }
  }
}
