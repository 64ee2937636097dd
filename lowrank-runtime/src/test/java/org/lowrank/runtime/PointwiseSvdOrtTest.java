package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.SyntheticModels.ConvSpec;

/** SVD of a 1x1 conv: two 1x1 convs, checked in ONNX Runtime. */
class PointwiseSvdOrtTest {
  /**
   * 1x1 convs with stride and padding (the first conv of the pair keeps them), with and without
   * bias.
   */
  private static final List<ConvSpec> POINTWISE =
      List.of(
          new ConvSpec(
              "pw_plain",
              12,
              10,
              new long[] {1, 1},
              new long[] {6, 5},
              new long[] {1, 1},
              new long[] {0, 0, 0, 0},
              new long[] {1, 1},
              null,
              1,
              true),
          new ConvSpec(
              "pw_stride_pad",
              9,
              16,
              new long[] {1, 1},
              new long[] {7, 8},
              new long[] {2, 1},
              new long[] {1, 0, 0, 2},
              new long[] {1, 1},
              null,
              1,
              false),
          new ConvSpec(
              "pw_1d",
              8,
              6,
              new long[] {1},
              new long[] {11},
              new long[] {1},
              new long[] {0, 0},
              new long[] {1},
              null,
              1,
              true));

  @Test
  void fullRankReproducesTheLayerAndReducedRankItsReconstruction() {
    LayerFactorizer f = LayerFactorizer.create();
    for (ConvSpec s : POINTWISE) {
      Model model = SyntheticModels.conv(s, 3L, false);
      Node conv = model.graph().node("conv").orElseThrow();
      int full = (int) Math.min(s.cout(), s.cin());
      for (int r : new int[] {full, full / 2}) {
        FactorizedLayer spec = f.factorize(model.graph(), "conv", Choice.of(Method.SVD, r));
        Model rewritten = LayerRewriter.rewrite(model, "conv", spec);
        List<Node> convs =
            rewritten.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).toList();
        assertEquals(2, convs.size(), s + " rank " + r + ": " + convs);
        for (Node n : convs) {
          long[] d = rewritten.graph().initializers().get(n.input(1)).dims();
          assertTrue(
              java.util.Arrays.stream(d, 2, d.length).allMatch(k -> k == 1), s + ": 1x1 " + n);
        }
        long weights =
            convs.stream()
                .mapToLong(n -> rewritten.graph().initializers().get(n.input(1)).elementCount())
                .sum();
        assertEquals((long) r * (s.cout() + s.cin()), weights, s + " rank " + r);
        Model reference =
            r == full ? model : LayerRewriter.withWeight(model, "conv", spec.reconstruct());
        RewriteOrtTest.assertMatches(reference, rewritten);
      }
      assertTrue(ConvLayer.of(model.graph(), conv).isPointwise());
    }
  }

  @Test
  void costModelCountsTwoPointwiseConvs() {
    LayerGeometry g =
        LayerGeometry.conv(
            "pw", 64, 32, 1, new long[] {1, 1}, new long[] {8, 8}, new long[] {4, 4}, true);
    assertTrue(Method.SVD.appliesTo(g));
    var c = CostModel.factorized(g, Choice.of(Method.SVD, 8));
    assertEquals(8L * (64 + 32) + 64, c.params());
    assertEquals(8L * (64 + 32) * 16, c.macs());
    LayerGeometry k3 =
        LayerGeometry.conv(
            "k3", 64, 32, 1, new long[] {3, 3}, new long[] {8, 8}, new long[] {8, 8}, true);
    assertTrue(!Method.SVD.appliesTo(k3) && !Method.QR.appliesTo(g));
  }

  @Test
  void svdOfAThreeByThreeConvIsAClearError() {
    Model model = SyntheticModels.conv(RewriteOrtTest.convSpecs().get(1), 3L, false);
    ModelException e =
        assertThrows(
            ModelException.class,
            () ->
                LayerFactorizer.create()
                    .factorize(model.graph(), "conv", Choice.of(Method.SVD, 2)));
    assertTrue(e.getMessage().contains("conv") && e.getMessage().contains("1x1"), e.getMessage());
  }
}
