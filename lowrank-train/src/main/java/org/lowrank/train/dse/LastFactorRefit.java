package org.lowrank.train.dse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;
import org.lowrank.linalg.LinearAlgebra;

/**
 * What a candidate's output becomes after the pipeline's output reconstruction, which refits the
 * last factor of every factorized layer by least squares ({@code
 * org.lowrank.train.refit.OutputReconstruction}). Scoring candidates on this output rates the layer
 * {@code compress} actually deploys rather than the raw truncation, which can rank a rank-1
 * candidate above rank 8 when the leading weight directions are not the ones the data excite.
 *
 * <p>A factorized layer's output is Ŷ = L Z + b: L [C, r] the last 1x1 conv or dense factor, Z the
 * r features of the earlier factors. The refit replaces L and b by the least-squares fit of the
 * original output Y on Z. The r feature maps of Z span the same space as the C channels of Ŷ - b
 * when L has full column rank (r <= C; a CP rank above C makes the span smaller, and the score a
 * lower bound), so the refitted output is computed from Ŷ alone: with S samples (images x
 * positions) as rows and the channels as columns, Ŷc and Yc centered per channel,
 *
 * <pre>
 *   X = (Ŷc^T Ŷc + lambda I)^-1 Ŷc^T Yc,   refitted = Ŷc X + mean(Y),   lambda = ridge tr(Ŷc^T Ŷc) / C
 * </pre>
 *
 * A layer without a bias is refitted without an intercept, as the pipeline does: Ŷ and Y are then
 * used as they are (no centering, no mean added back).
 *
 * <p>The small ridge suppresses the C - r directions that Ŷ only has by float rounding. When the
 * last factor is a kxk conv (Tucker-2 with its output factor folded in), the pipeline refits that
 * conv on its input patches, a superset of this fit, so the score is a lower bound. The fit is
 * in-sample, so it is only used with at least {@link #MIN_SAMPLES_PER_UNKNOWN} samples per unknown
 * (C + 1) of one output channel; dense layers on a 64-image batch usually have fewer and keep the
 * plain score.
 */
final class LastFactorRefit {
  /** Samples per unknown below which the in-sample fit would flatter large candidates. */
  static final int MIN_SAMPLES_PER_UNKNOWN = 16;

  /** lambda relative to the mean channel variance of Ŷ. */
  static final double RIDGE = 1e-6;

  private LastFactorRefit() {}

  /** True when an output of this shape has enough samples per unknown for the fit. */
  static boolean applies(long[] outputShape, boolean conv) {
    long channels = channels(outputShape, conv);
    long samples = 1;
    for (long d : outputShape) {
      samples *= d;
    }
    samples /= channels;
    return samples >= MIN_SAMPLES_PER_UNKNOWN * (channels + 1);
  }

  /**
   * The refitted candidate output, same shape and type as {@code candidate}, or empty when the
   * shape has too few samples ({@link #applies}) or the solve fails.
   *
   * @param reference the original layer's output Y: conv [N, C, spatial..], dense [N, .., C]
   * @param candidate the factorized layer's output Ŷ, same shape; every temporary array is attached
   *     to its manager
   * @param intercept whether the layer has a bias, which the refit then fits too
   */
  static Optional<NDArray> apply(
      NDArray reference, NDArray candidate, boolean conv, boolean intercept, LinearAlgebra la) {
    long[] shape = reference.getShape().getShape();
    if (!applies(shape, conv)) {
      return Optional.empty();
    }
    int c = Math.toIntExact(channels(shape, conv));
    NDArray y64 = reference.toType(DataType.FLOAT64, true);
    y64.attach(candidate.getManager());
    NDArray y = samples(y64, conv, c);
    NDArray z = samples(candidate.toType(DataType.FLOAT64, false), conv, c);
    NDArray yMean = intercept ? y.mean(new int[] {0}, true) : null;
    NDArray zc = intercept ? z.sub(z.mean(new int[] {0}, true)) : z;
    NDArray zt = zc.transpose();
    double[] g = zt.matMul(zc).toDoubleArray();
    double[] b = zt.matMul(intercept ? y.sub(yMean) : y).toDoubleArray();
    double trace = 0;
    for (int i = 0; i < c; i++) {
      trace += g[i * c + i];
    }
    if (!(trace > 0)) {
      return Optional.empty();
    }
    double lambda = RIDGE * trace / c;
    for (int i = 0; i < c; i++) {
      g[i * c + i] += lambda;
    }
    double[] x;
    try {
      x = la.solveSymmetric(g, c, b, c);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    NDArray fit = zc.matMul(zc.getManager().create(x, new Shape(c, c)));
    if (intercept) {
      fit = fit.add(yMean);
    }
    return Optional.of(unsamples(fit, shape, conv).toType(candidate.getDataType(), false));
  }

  private static long channels(long[] shape, boolean conv) {
    return conv ? shape[1] : shape[shape.length - 1];
  }

  /** [S, C]: conv [N, C, d..] moves the channels last; dense [N, .., C] is already so. */
  private static NDArray samples(NDArray a, boolean conv, int c) {
    if (!conv) {
      return a.reshape(-1, c);
    }
    int k = a.getShape().dimension();
    int[] axes = new int[k];
    for (int i = 1; i < k - 1; i++) {
      axes[i] = i + 1;
    }
    axes[k - 1] = 1;
    return a.transpose(axes).reshape(-1, c);
  }

  private static NDArray unsamples(NDArray s, long[] shape, boolean conv) {
    if (!conv) {
      return s.reshape(new Shape(shape));
    }
    int k = shape.length;
    long[] last = new long[k];
    last[0] = shape[0];
    for (int i = 1; i < k - 1; i++) {
      last[i] = shape[i + 1];
    }
    last[k - 1] = shape[1];
    int[] axes = new int[k];
    axes[1] = k - 1;
    for (int i = 2; i < k; i++) {
      axes[i] = i - 1;
    }
    return s.reshape(new Shape(last)).transpose(axes);
  }
}
