package org.lowrank.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CostModelTest {
  // ResNet-20 stage-2 conv: 32->32, 3x3, 16x16 in and out, folded BN bias.
  private final LayerGeometry conv =
      LayerGeometry.conv(
          "c", 32, 32, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {16, 16}, true);

  @Test
  void originalConvCountsWeightsBiasAndMacs() {
    Cost c = CostModel.original(conv);
    assertEquals(32 * 32 * 9 + 32, c.params());
    assertEquals(32L * 32 * 9 * 256, c.macs());
  }

  @Test
  void tuckerCountsThreeConvsWithFirstAtInputResolution() {
    LayerGeometry strided =
        LayerGeometry.conv(
            "s", 64, 32, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {8, 8}, false);
    Cost c = CostModel.factorized(strided, Choice.of(Method.TUCKER2, 10, 6));
    assertEquals(32 * 6 + 6 * 10 * 9 + 10 * 64, c.params());
    assertEquals(32L * 6 * 256 + (6L * 10 * 9 + 10 * 64) * 64, c.macs());
  }

  @Test
  void oneSidedTuckerCountsTwoConvs() {
    LayerGeometry strided =
        LayerGeometry.conv(
            "s", 64, 32, 1, new long[] {3, 3}, new long[] {16, 16}, new long[] {8, 8}, false);
    // r_in = C_in: kxk 32->10 at the output resolution, then 1x1 10->64
    Cost in = CostModel.factorized(strided, Choice.of(Method.TUCKER2, 10, 32));
    assertEquals(10 * 32 * 9 + 10 * 64, in.params());
    assertEquals((10L * 32 * 9 + 10 * 64) * 64, in.macs());
    // r_out = C_out: 1x1 32->6 at the input resolution, then kxk 6->64
    Cost out = CostModel.factorized(strided, Choice.of(Method.TUCKER2, 64, 6));
    assertEquals(32 * 6 + 6 * 64 * 9, out.params());
    assertEquals(32L * 6 * 256 + 6L * 64 * 9 * 64, out.macs());
    assertTrue(CostModel.reducesCost(strided, Choice.of(Method.TUCKER2, 10, 32)));
  }

  @Test
  void cpAndDenseAndTtmCounts() {
    assertEquals(
        8 * (32 + 9 + 32) + 32, CostModel.factorized(conv, Choice.of(Method.CP, 8)).params());
    LayerGeometry fc = LayerGeometry.dense("fc", 10, 64, 1, true);
    assertEquals(4 * 74 + 10, CostModel.factorized(fc, Choice.of(Method.SVD, 4)).params());
    assertEquals(4 * 74, CostModel.factorized(fc, Choice.of(Method.QR, 4)).macs());
    // W [out 16 = 4*4, in 64 = 8*8], rank 3: cores [1,8,4,3] and [3,8,4,1]
    LayerGeometry d = LayerGeometry.dense("d", 16, 64, 1, false);
    Cost t = CostModel.factorized(d, Choice.ttm(new int[] {4, 4}, new int[] {8, 8}, new int[] {3}));
    assertEquals(8 * 4 * 3 + 3 * 8 * 4, t.params());
    // core 1 contracted for every m_2 (4), core 2 for every n_1 (8)
    assertEquals(96L * 4 + 96L * 8, t.macs());
  }

  @Test
  void costReductionAndMismatchedMethods() {
    assertTrue(CostModel.reducesCost(conv, Choice.of(Method.TUCKER2, 8, 8)));
    assertFalse(CostModel.reducesCost(conv, Choice.of(Method.TUCKER2, 32, 32)));
    assertThrows(
        IllegalArgumentException.class, () -> CostModel.factorized(conv, Choice.of(Method.SVD, 4)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            CostModel.factorized(
                LayerGeometry.dense("d", 16, 64, 1, false),
                Choice.ttm(new int[] {4, 2}, new int[] {8, 8}, new int[] {3})));
    assertThrows(IllegalArgumentException.class, () -> Choice.of(Method.TUCKER2, 4));
    assertThrows(IllegalArgumentException.class, () -> Choice.of(Method.CP, 0));
  }

  @Test
  void maxRanksAreFullRank() {
    assertEquals(32, CostModel.maxRanks(conv, Method.TUCKER2)[0]);
    LayerGeometry wide =
        LayerGeometry.conv(
            "w", 3, 64, 1, new long[] {1, 1}, new long[] {4, 4}, new long[] {4, 4}, false);
    assertEquals(3, CostModel.maxRanks(wide, Method.TUCKER2)[1]);
    assertEquals(10, CostModel.maxRanks(LayerGeometry.dense("fc", 10, 64, 1, true), Method.SVD)[0]);
  }
}
