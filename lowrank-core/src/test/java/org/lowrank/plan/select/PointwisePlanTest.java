package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Budget;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;
import org.lowrank.tensor.DenseTensor;

/**
 * A 1x1 conv is offered SVD (two 1x1 convs; --method svd) and planned on the aligned grid; the
 * dense-only methods (QR, TT-matrix) are not offered. (One-sided Tucker-2 of a 1x1 conv is the same
 * factorization.)
 */
class PointwisePlanTest {
  private static LayerInput pointwise(String name, int c, int r, long seed) {
    DenseTensor w =
        DenseTensor.random(seed, c, r)
            .matmul(DenseTensor.random(seed + 1, r, c))
            .plus(DenseTensor.random(seed + 2, c, c).scale(1e-6))
            .reshape(c, c, 1, 1);
    LayerGeometry g =
        LayerGeometry.conv(
            name, c, c, 1, new long[] {1, 1}, new long[] {8, 8}, new long[] {8, 8}, true);
    return new LayerInput(name, "conv2d", g, w);
  }

  private static Plan plan(List<LayerInput> layers, RankSelector s) {
    Cost total = new Cost(0, 0);
    for (LayerInput l : layers) {
      total = total.plus(CostModel.original(l.geometry()));
    }
    return Planner.plan(
        new Planner.Request(
            "m.onnx",
            layers,
            List.of(),
            total,
            List.of(Method.SVD, Method.QR, Method.TTM),
            s,
            Budget.none(),
            7),
        ProgressListener.NONE);
  }

  @Test
  void svdFindsThePlantedRankOfAPointwiseConv() {
    LinearAlgebra la = LinearAlgebra.defaultInstance();
    Plan one = plan(List.of(pointwise("pw", 64, 12, 1)), new EnergySelector(0.9999, 1, 7, la));
    assertEquals(Method.SVD, one.layer("pw").choice().method(), one.layers().toString());
    assertArrayEquals(new int[] {12}, one.layer("pw").choice().ranks());
    // on a 16 grid the planted rank 12 rounds up to 16
    Plan aligned = plan(List.of(pointwise("pw", 64, 12, 1)), new EnergySelector(0.9999, 16, 7, la));
    assertArrayEquals(new int[] {16}, aligned.layer("pw").choice().ranks());
    assertTrue(aligned.layer("pw").score() > 0.9999);
  }
}
