package org.lowrank.train.dse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.lowrank.linalg.LinearAlgebra;

class LastFactorRefitTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();

  private static double maxAbsDiff(NDArray a, NDArray b) {
    return a.toType(DataType.FLOAT64, false)
        .sub(b.toType(DataType.FLOAT64, false))
        .abs()
        .max()
        .getDouble();
  }

  @Test
  void aChannelRemixOfTheReferenceIsUndoneExactly() {
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      nd.getEngine().setRandomSeed(3);
      NDArray y = nd.randomNormal(0, 1, new Shape(16, 6, 5, 5), DataType.FLOAT32);
      // Ŷ = A Y + b per position: an invertible 6x6 remix of the channels plus an offset
      NDArray a = nd.randomNormal(0, 1, new Shape(6, 6), DataType.FLOAT32).add(nd.eye(6).mul(3));
      NDArray remixed =
          y.transpose(0, 2, 3, 1).matMul(a.transpose()).add(0.7f).transpose(0, 3, 1, 2);
      NDArray fit = LastFactorRefit.apply(y, remixed, true, true, LA).orElseThrow();
      assertEquals(y.getShape(), fit.getShape());
      assertTrue(maxAbsDiff(y, fit) < 1e-3, "max |Y - refit| " + maxAbsDiff(y, fit));
      assertTrue(maxAbsDiff(y, remixed) > 1, "the remix itself is far from Y");
    }
  }

  /** Ŷ = A Y + offset along the channel axis (1 for conv, last for dense). */
  private static NDArray remix(NDArray y, NDArray a, float offset, boolean conv) {
    int k = y.getShape().dimension();
    if (!conv) {
      return y.matMul(a.transpose()).add(offset);
    }
    int[] toLast = new int[k];
    int[] back = new int[k];
    for (int i = 1; i < k - 1; i++) {
      toLast[i] = i + 1;
      back[i + 1] = i;
    }
    toLast[k - 1] = 1;
    back[1] = k - 1;
    return y.transpose(toLast).matMul(a.transpose()).add(offset).transpose(back);
  }

  @Test
  void everyLayoutIsUndoneAndTheInterceptFollowsTheBias() {
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      nd.getEngine().setRandomSeed(4);
      NDArray a = nd.randomNormal(0, 1, new Shape(4, 4), DataType.FLOAT32).add(nd.eye(4).mul(3));
      Shape[] shapes = {new Shape(40, 4, 9), new Shape(8, 4, 3, 3, 3), new Shape(30, 6, 4)};
      boolean[] conv = {true, true, false};
      for (int i = 0; i < shapes.length; i++) {
        NDArray y = nd.randomNormal(0, 1, shapes[i], DataType.FLOAT32).add(2f);
        NDArray offset = remix(y, a, 0.7f, conv[i]);
        NDArray fit = LastFactorRefit.apply(y, offset, conv[i], true, LA).orElseThrow();
        assertTrue(
            maxAbsDiff(y, fit) < 1e-3, shapes[i] + ": max |Y - refit| " + maxAbsDiff(y, fit));
        // without a bias there is no intercept: a pure remix is undone, an offset is not
        NDArray pure = remix(y, a, 0f, conv[i]);
        assertTrue(
            maxAbsDiff(y, LastFactorRefit.apply(y, pure, conv[i], false, LA).orElseThrow()) < 1e-3,
            shapes[i] + " without intercept");
        NDArray centeredY = y.sub(y.mean());
        NDArray noIntercept =
            LastFactorRefit.apply(centeredY, remix(centeredY, a, 5f, conv[i]), conv[i], false, LA)
                .orElseThrow();
        assertTrue(
            maxAbsDiff(centeredY, noIntercept) > 0.05,
            shapes[i] + ": an offset cannot be removed without an intercept");
      }
    }
  }

  @Test
  void theRefitIsTheBestOutputInTheCandidatesChannelSpan() {
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      nd.getEngine().setRandomSeed(5);
      // dense [N, C]: a rank-2 candidate of a 4-channel output (N large enough for the fit)
      NDArray y = nd.randomNormal(0, 1, new Shape(400, 4), DataType.FLOAT32);
      NDArray z = y.get(":, 0:2").matMul(nd.randomNormal(0, 1, new Shape(2, 4), DataType.FLOAT32));
      NDArray fit = LastFactorRefit.apply(y, z, false, true, LA).orElseThrow();
      // the fit reproduces channels 0 and 1 (in the span) and cannot reach 2 and 3 (independent
      // noise)
      assertTrue(maxAbsDiff(fit.get(":, 0:2"), y.get(":, 0:2")) < 1e-3);
      double errFit = y.sub(fit).pow(2).sum().getFloat();
      double errRaw = y.sub(z).pow(2).sum().getFloat();
      assertTrue(errFit < errRaw, errFit + " vs raw " + errRaw);
      double cosFit = SimilarityMetric.COSINE.compute(y, fit);
      assertTrue(cosFit > 0.6 && cosFit < 0.8, "half of the channels kept: " + cosFit);
    }
  }

  @Test
  void tooFewSamplesPerUnknownKeepThePlainScore() {
    assertFalse(LastFactorRefit.applies(new long[] {64, 512}, false), "64 images, 513 unknowns");
    assertTrue(
        LastFactorRefit.applies(new long[] {64, 64, 8, 8}, true), "4096 samples, 65 unknowns");
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      NDArray y = nd.randomNormal(new Shape(64, 512));
      assertTrue(LastFactorRefit.apply(y, y.mul(2), false, true, LA).isEmpty());
    }
  }
}
