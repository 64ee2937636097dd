package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * Data-aware factorizations checked on explicit calibration inputs X [n, N]: the errors are
 * measured as ||(W - Ŵ) X||_F directly, not through {@link InputMoment}.
 */
class DataAwareFactorizationTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();
  private final DataAwareFactorization da = DataAwareFactorization.create(LA);

  /** Inputs X = B G: N samples in the span of a random n x k basis B. */
  private static DenseTensor subspaceInputs(long seed, int n, int k, int samples) {
    return DenseTensor.random(seed, n, k).matmul(DenseTensor.random(seed + 1, k, samples));
  }

  /** Inputs with a decaying spectrum: column scales 1, 0.7, 0.49, .. mixed by a random rotation. */
  private static DenseTensor anisotropicInputs(long seed, int n, int samples) {
    double[] g = DenseTensor.random(seed, n, samples).toArray();
    for (int i = 0; i < n; i++) {
      double scale = Math.pow(0.7, i);
      for (int j = 0; j < samples; j++) {
        g[i * samples + j] *= scale;
      }
    }
    return DenseTensor.random(seed + 7, n, n).matmul(DenseTensor.of(g, n, samples));
  }

  /** S = X X^T / N. */
  private static InputMoment moment(DenseTensor x) {
    int n = x.dim(0);
    return new InputMoment(x.matmul(x.transpose()).toArray(), n, x.dim(1));
  }

  /** ||(W - Ŵ) X||_F / ||W X||_F with W and Ŵ flattened to [m, n]. */
  private static double outputError(DenseTensor w, DenseTensor approx, DenseTensor x) {
    int n = x.dim(0);
    DenseTensor wm = w.reshape(w.size() / n, n);
    return DenseTensor.relativeError(wm.matmul(x), approx.reshape(w.size() / n, n).matmul(x));
  }

  @Test
  void svdReproducesLayerOnInputsOfRankKWhereWeightOnlyDoesNot() {
    for (long seed = 1; seed <= 3; seed++) {
      DenseTensor w = DenseTensor.random(seed, 12, 10);
      DenseTensor x = subspaceInputs(seed + 10, 10, 3, 200);
      LowRankMatrix data = da.svd(w, moment(x), 3);
      LowRankMatrix weights = TruncatedSvd.create().factorize(w, 3);
      double dataError = outputError(w, data.reconstruct(), x);
      double weightError = outputError(w, weights.reconstruct(), x);
      assertTrue(dataError < 1e-3, "seed " + seed + ": data-aware rank 3 error " + dataError);
      assertTrue(weightError > 0.05, "seed " + seed + ": weight-only rank 3 error " + weightError);
    }
  }

  @Test
  void tucker2WithFullInputRankReproducesConvOnPatchesOfRankK() {
    DenseTensor kernel = DenseTensor.random(3, 8, 4, 3, 3);
    DenseTensor x = subspaceInputs(5, 36, 3, 300);
    TuckerTensor weights = Tucker2.create(Tucker.Method.HOOI, LA).factorize(kernel, 3, 4);
    TuckerTensor data = da.tucker2(kernel, moment(x), weights, 3);
    assertTrue(
        outputError(kernel, data.reconstruct(), x) < 1e-3,
        "data-aware error " + outputError(kernel, data.reconstruct(), x));
    assertTrue(
        outputError(kernel, weights.reconstruct(), x) > 0.05,
        "weight-only error " + outputError(kernel, weights.reconstruct(), x));
  }

  @Test
  void identityMomentGivesWeightOnlySvd() {
    DenseTensor w = DenseTensor.random(4, 9, 7);
    LowRankMatrix data = da.svd(w, InputMoment.identity(7), 3);
    LowRankMatrix weights = TruncatedSvd.create().factorize(w, 3);
    assertEquals(0, DenseTensor.relativeError(weights.reconstruct(), data.reconstruct()), 1e-9);
  }

  @Test
  void identityMomentKeepsWeightOnlyTuckerAndCpError() {
    DenseTensor kernel = DenseTensor.random(6, 8, 6, 3, 3);
    InputMoment eye = InputMoment.identity(54);
    TuckerTensor tw = Tucker2.create(Tucker.Method.HOOI, LA).factorize(kernel, 4, 3);
    TuckerTensor td = da.tucker2(kernel, eye, tw, 3);
    // equal up to HOOI's own convergence: the closed-form step can only lower the error
    assertTrue(td.relativeError(kernel) <= tw.relativeError(kernel) + 1e-12);
    assertEquals(tw.relativeError(kernel), td.relativeError(kernel), 1e-4);
    CpTensor cw =
        CpAls.builder()
            .optLinearAlgebra(LA)
            .optSeed(1)
            .build()
            .factorize(ConvKernels.threeWay(kernel), 5);
    CpTensor cd = da.cp(kernel, eye, cw, 30, 1e-9);
    double cwError =
        DenseTensor.relativeError(kernel, ConvKernels.fromThreeWay(cw.reconstruct(), 3, 3));
    double cdError =
        DenseTensor.relativeError(kernel, ConvKernels.fromThreeWay(cd.reconstruct(), 3, 3));
    assertTrue(cdError <= cwError + 1e-9, cdError + " > " + cwError);
  }

  @Test
  void whitenedTuckerAndCpNeverExceedWeightOnlyErrorOnCalibrationInputs() {
    double tuckerGain = 0;
    double cpGain = 0;
    for (long seed = 1; seed <= 4; seed++) {
      DenseTensor kernel = DenseTensor.random(seed, 8, 5, 3, 3);
      DenseTensor x = anisotropicInputs(seed + 20, 45, 400);
      InputMoment s = moment(x);
      TuckerTensor tw = Tucker2.create(Tucker.Method.HOOI, LA).factorize(kernel, 4, 3);
      TuckerTensor td = da.tucker2(kernel, s, tw, 5);
      double tWeights = outputError(kernel, tw.reconstruct(), x);
      double tData = outputError(kernel, td.reconstruct(), x);
      assertTrue(
          tData <= tWeights * (1 + 1e-6),
          "seed " + seed + ": Tucker-2 " + tData + " > " + tWeights);
      tuckerGain += tData / tWeights;

      CpTensor cw =
          CpAls.builder()
              .optLinearAlgebra(LA)
              .optSeed(seed)
              .build()
              .factorize(ConvKernels.threeWay(kernel), 6);
      CpTensor cd = da.cp(kernel, s, cw, 50, 1e-9);
      double cWeights = outputError(kernel, ConvKernels.fromThreeWay(cw.reconstruct(), 3, 3), x);
      double cData = outputError(kernel, ConvKernels.fromThreeWay(cd.reconstruct(), 3, 3), x);
      assertTrue(
          cData <= cWeights * (1 + 1e-6), "seed " + seed + ": CP " + cData + " > " + cWeights);
      cpGain += cData / cWeights;
    }
    // and they do better on such inputs, not merely as well
    assertTrue(tuckerGain / 4 < 0.9, "mean Tucker-2 error ratio " + tuckerGain / 4);
    assertTrue(cpGain / 4 < 0.9, "mean CP error ratio " + cpGain / 4);
  }

  private static TtMatrix ttm(DenseTensor w, int rank) {
    return TtMatrixSvd.builder()
        .optLinearAlgebra(LA)
        .optOrder(2)
        .optRowFactors(2, 3)
        .optColFactors(2, 4)
        .build()
        .factorize(w, rank);
  }

  /** Inputs u ⊗ v [8, N]: a fixed u [2] and random v [4], a 4-dim subspace of R^8. */
  private static DenseTensor kroneckerInputs(long seed, int samples) {
    double[] u = {0.8, -0.6};
    double[] v = DenseTensor.random(seed, 4, samples).toArray();
    double[] x = new double[8 * samples];
    for (int j1 = 0; j1 < 2; j1++) {
      for (int j2 = 0; j2 < 4; j2++) {
        for (int i = 0; i < samples; i++) {
          x[(j1 * 4 + j2) * samples + i] = u[j1] * v[j2 * samples + i];
        }
      }
    }
    return DenseTensor.of(x, 8, samples);
  }

  @Test
  void ttWithFullInputRankReproducesConvOnPatchesOfRankK() {
    for (long seed = 1; seed <= 3; seed++) {
      DenseTensor kernel = DenseTensor.random(seed, 8, 4, 3, 3);
      DenseTensor x = subspaceInputs(seed + 5, 36, 3, 300);
      ConvTensorTrain weights = ConvTensorTrainSvd.create(LA, false).factorize(kernel, 3, 4);
      ConvTensorTrain data = da.tt(kernel, moment(x), weights, 3);
      double dataError = outputError(kernel, data.reconstruct(), x);
      double weightError = outputError(kernel, weights.reconstruct(), x);
      assertTrue(dataError < 1e-3, "seed " + seed + ": data-aware TT error " + dataError);
      assertTrue(weightError > 0.05, "seed " + seed + ": weight-only TT error " + weightError);
    }
  }

  @Test
  void ttMatrixReproducesDenseLayerOnKroneckerInputsAtRank2() {
    for (long seed = 1; seed <= 3; seed++) {
      DenseTensor w = DenseTensor.random(seed, 6, 8);
      DenseTensor x = kroneckerInputs(seed + 3, 100);
      TtMatrix weights = ttm(w, 2);
      TtMatrix data = da.ttMatrix(w, moment(x), weights, 20);
      double dataError = outputError(w, data.reconstruct(), x);
      double weightError = outputError(w, weights.reconstruct(), x);
      assertTrue(dataError < 1e-3, "seed " + seed + ": data-aware TT-matrix error " + dataError);
      assertTrue(
          weightError > 0.05, "seed " + seed + ": weight-only TT-matrix error " + weightError);
    }
  }

  @Test
  void identityMomentKeepsWeightOnlyTtAndTtMatrixError() {
    DenseTensor kernel = DenseTensor.random(6, 8, 6, 3, 3);
    ConvTensorTrain tw = ConvTensorTrainSvd.create(LA, false).factorize(kernel, 4, 3);
    ConvTensorTrain td = da.tt(kernel, InputMoment.identity(54), tw, 3);
    double twError = DenseTensor.relativeError(kernel, tw.reconstruct());
    double tdError = DenseTensor.relativeError(kernel, td.reconstruct());
    // TT-SVD is not an ALS fixed point: the sweeps may lower the Frobenius error, never raise it
    assertTrue(tdError <= twError + 1e-12, tdError + " > " + twError);
    assertEquals(twError, tdError, 0.02 * twError);
    // a 2-core TT-matrix is one truncated SVD, already the Frobenius optimum: nothing to change
    DenseTensor w = DenseTensor.random(7, 6, 8);
    TtMatrix mw = ttm(w, 2);
    TtMatrix md = da.ttMatrix(w, InputMoment.identity(8), mw, 5);
    assertEquals(0, DenseTensor.relativeError(mw.reconstruct(), md.reconstruct()), 1e-9);
  }

  @Test
  void whitenedTtAndTtMatrixNeverExceedWeightOnlyErrorOnCalibrationInputs() {
    double ttGain = 0;
    double ttmGain = 0;
    for (long seed = 1; seed <= 4; seed++) {
      DenseTensor kernel = DenseTensor.random(seed, 8, 5, 3, 3);
      DenseTensor x = anisotropicInputs(seed + 20, 45, 400);
      ConvTensorTrain tw = ConvTensorTrainSvd.create(LA, false).factorize(kernel, 4, 3);
      ConvTensorTrain td = da.tt(kernel, moment(x), tw, 5);
      double tWeights = outputError(kernel, tw.reconstruct(), x);
      double tData = outputError(kernel, td.reconstruct(), x);
      assertTrue(
          tData <= tWeights * (1 + 1e-6), "seed " + seed + ": TT " + tData + " > " + tWeights);
      ttGain += tData / tWeights;

      DenseTensor w = DenseTensor.random(seed + 40, 6, 8);
      DenseTensor xd = anisotropicInputs(seed + 50, 8, 300);
      TtMatrix mw = ttm(w, 2);
      TtMatrix md = da.ttMatrix(w, moment(xd), mw, 5);
      double mWeights = outputError(w, mw.reconstruct(), xd);
      double mData = outputError(w, md.reconstruct(), xd);
      assertTrue(
          mData <= mWeights * (1 + 1e-6),
          "seed " + seed + ": TT-matrix " + mData + " > " + mWeights);
      ttmGain += mData / mWeights;
    }
    assertTrue(ttGain / 4 < 0.9, "mean TT error ratio " + ttGain / 4);
    assertTrue(ttmGain / 4 < 0.9, "mean TT-matrix error ratio " + ttmGain / 4);
  }

  @Test
  void momentOfTheWrongSizeIsRejectedWithBothSizes() {
    DenseTensor w = DenseTensor.random(1, 5, 4);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> da.svd(w, InputMoment.identity(6), 2));
    assertTrue(
        e.getMessage().contains("6 x 6") && e.getMessage().contains("[5, 4]"), e.getMessage());
  }

  @Test
  void inputsAreNotModified() {
    DenseTensor w = DenseTensor.random(2, 6, 5);
    double[] before = w.toArray();
    InputMoment s = moment(anisotropicInputs(3, 5, 50));
    double[] sBefore = s.matrix();
    da.svd(w, s, 2);
    assertEquals(0, DenseTensor.relativeError(DenseTensor.of(before, 6, 5), w), 0);
    assertEquals(
        0,
        DenseTensor.relativeError(DenseTensor.of(sBefore, 5, 5), DenseTensor.of(s.matrix(), 5, 5)),
        0);
  }
}
