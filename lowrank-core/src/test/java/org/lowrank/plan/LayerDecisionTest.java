package org.lowrank.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;

/** {@link LayerDecision#lowersCost()}: the typed fact the report warns on (was a note match). */
class LayerDecisionTest {
  private static final LayerGeometry G =
      LayerGeometry.conv(
          "conv", 32, 16, 1, new long[] {3, 3}, new long[] {8, 8}, new long[] {8, 8}, false);

  private static LayerDecision decision(int... ranks) {
    Choice c = Choice.of(Method.TUCKER2, ranks);
    return new LayerDecision(
        "conv", "Conv", c, CostModel.original(G), CostModel.factorized(G, c), Double.NaN, "");
  }

  @Test
  void lowRanksLowerTheCostFullRanksDoNot() {
    assertTrue(decision(8, 4).lowersCost());
    assertFalse(decision(32, 16).lowersCost()); // Tucker-2 at full rank costs more than the layer
    Cost c = CostModel.original(G);
    assertTrue(LayerDecision.skipped("conv", "Conv", c, "kept").lowersCost());
  }
}
