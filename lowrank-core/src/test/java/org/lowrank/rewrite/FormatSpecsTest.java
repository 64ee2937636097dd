package org.lowrank.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.lowrank.decomp.ConvKernels;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.decomp.CpAls;
import org.lowrank.decomp.FactorizedTensor;
import org.lowrank.decomp.PivotedQr;
import org.lowrank.decomp.TtMatrixSvd;
import org.lowrank.decomp.Tucker2;
import org.lowrank.graph.TensorValue;
import org.lowrank.tensor.DenseTensor;

/** Every converted spec reconstructs what its decomposition format reconstructs. */
class FormatSpecsTest {
  private static final DenseTensor KERNEL = DenseTensor.random(3L, 6, 5, 3, 2);

  private static void assertSameReconstruction(FactorizedTensor format, FactorizedLayer spec) {
    DenseTensor expected = format.reconstruct();
    TensorValue actual = spec.reconstruct();
    assertArrayEquals(
        java.util.Arrays.stream(expected.shape()).asLongStream().toArray(), actual.dims());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.getFlat(i), actual.floatAt(i), 1e-5, "element " + i);
    }
  }

  @Test
  void convFormats() {
    var tucker = Tucker2.create().factorize(KERNEL, 3, 2);
    assertSameReconstruction(tucker, FormatSpecs.tucker2(tucker));
    var tt = ConvTensorTrainSvd.create().factorize(KERNEL, 4, 3);
    assertSameReconstruction(tt, FormatSpecs.tt(tt));
    var cp3 = CpAls.builder().optSeed(1).build().factorize(ConvKernels.threeWay(KERNEL), 3);
    CpConv spec3 = FormatSpecs.cp(cp3, 3, 2);
    assertSameReconstruction(
        new Reconstructed(ConvKernels.fromThreeWay(cp3.reconstruct(), 3, 2)), spec3);
    var cp4 = CpAls.builder().optSeed(1).build().factorize(KERNEL.permute(0, 2, 3, 1), 3);
    CpConv spec4 = FormatSpecs.cp(cp4, 3, 2);
    assertEquals(2, spec4.spatialFactors().size());
    assertSameReconstruction(new Reconstructed(cp4.reconstruct().permute(0, 3, 1, 2)), spec4);
    assertThrows(IllegalArgumentException.class, () -> FormatSpecs.cp(cp3, 5, 5));
    // lambda spread evenly: unit weights, and column r of every factor has norm |lambda_r|^(1/3)
    for (int r = 0; r < 3; r++) {
      assertEquals(1f, spec3.weights()[r]);
      double expected = Math.cbrt(Math.abs(cp3.weights()[r]));
      assertEquals(
          expected,
          columnNorm(spec3.outFactor(), r),
          1e-4 * expected,
          "output factor, column " + r);
      assertEquals(
          expected,
          columnNorm(spec3.spatialFactors().get(0), r),
          1e-4 * expected,
          "spatial, column " + r);
      assertEquals(
          expected, columnNorm(spec3.inFactor(), r), 1e-4 * expected, "input factor, column " + r);
    }
  }

  private static double columnNorm(org.lowrank.graph.TensorValue m, int col) {
    int cols = (int) m.dim(1);
    double s = 0;
    for (int i = col; i < m.elementCount(); i += cols) {
      s += (double) m.floatAt(i) * m.floatAt(i);
    }
    return Math.sqrt(s);
  }

  @Test
  void denseFormats() {
    DenseTensor w = DenseTensor.random(4L, 6, 12);
    var qr = PivotedQr.create().factorize(w, 3);
    assertSameReconstruction(qr, FormatSpecs.lowRank("qr", qr));
    var ttm =
        TtMatrixSvd.builder()
            .optOrder(2)
            .optRowFactors(2, 3)
            .optColFactors(3, 4)
            .build()
            .factorize(w, 2);
    assertSameReconstruction(ttm, FormatSpecs.ttMatrix(ttm));
  }

  /** A dense tensor seen as a format, for comparisons in another layout. */
  private record Reconstructed(DenseTensor t) implements FactorizedTensor {
    @Override
    public int[] shape() {
      return t.shape();
    }

    @Override
    public DenseTensor reconstruct() {
      return t;
    }

    @Override
    public long parameterCount() {
      return t.size();
    }

    @Override
    public int[] ranks() {
      return new int[0];
    }
  }
}
