package org.lowrank.decomp;

import java.util.Arrays;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.SymmetricEigen;
import org.lowrank.tensor.DenseTensor;

/**
 * The second moment S = (1/N) sum_i x_i x_i^T [n, n] of a layer's inputs x_i over N calibration
 * samples: im2col patches (n = C_in K, index c K + s as in the flattened kernel W[C_out, C_in K])
 * for a kxk conv, the C_in channels for a 1x1 conv, the input features for a dense layer. It
 * defines the data-aware error ||(W - Ŵ) S^(1/2)||_F^2 = tr((W - Ŵ) S (W - Ŵ)^T) = (1/N) sum_i ||(W
 * - Ŵ) x_i||^2, the layer's mean squared output error on those inputs.
 *
 * <p>Ridge: the decompositions use S + lambda I with lambda = {@value #RIDGE} tr(S) / n. A conv's
 * patches are often rank-deficient (padding, dead ReLU channels, fewer samples than n); without the
 * ridge the directions the data never excite would carry no weight at all, the whitened problems
 * would be singular and the factors there arbitrary. With it those directions keep a small pull
 * towards W (the weight-only fit) while the excited ones dominate: 1e-4 of the mean variance is far
 * below the spectrum of real activations and the same relative ridge as the output refit.
 * Immutable.
 */
public final class InputMoment {
  /** lambda relative to the mean input variance tr(S) / n. */
  public static final double RIDGE = 1e-4;

  /**
   * A layer is fitted to data only with at least this many input samples per input feature (N >= 4
   * n; images x output positions): below it the n x n moment is rank-deficient or noisy, and on
   * Fashion-MNIST's dense fc1 (n = 3136 inputs, one sample per image, 256 images) the fit lost 3
   * points of top-1 against the weight-only factors. Such a layer is factorized (and scored) from
   * its weights. The one rule for the sequential fit, the symmetric fit and the similarity search.
   */
  public static final int MIN_SAMPLES_PER_INPUT = 4;

  /** Whether {@code samples} inputs of {@code features} features are enough to fit to data. */
  public static boolean enoughSamples(long samples, int features) {
    return samples >= MIN_SAMPLES_PER_INPUT * (long) features;
  }

  private final double[] s;
  private final int n;
  private final long samples;

  /**
   * @param secondMoment S, n x n row-major, symmetric positive semi-definite (copied)
   * @param samples N, for the record
   */
  public InputMoment(double[] secondMoment, int n, long samples) {
    if (n < 1 || secondMoment.length != (long) n * n) {
      throw new IllegalArgumentException(
          "InputMoment: expected an n x n matrix with n >= 1, got "
              + secondMoment.length
              + " values for n = "
              + n);
    }
    for (double v : secondMoment) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(
            "InputMoment: the second moment has a non-finite value "
                + v
                + " (the calibration activations overflow or are NaN)");
      }
    }
    this.s = secondMoment.clone();
    this.n = n;
    this.samples = samples;
  }

  /** S = I: the data-aware error is then the weight-only Frobenius error. */
  public static InputMoment identity(int n) {
    return new InputMoment(DenseTensor.identity(n).toArray(), n, 0);
  }

  /** n, the input dimension. */
  public int size() {
    return n;
  }

  /** N, the number of samples S was averaged over (0 when not measured). */
  public long samples() {
    return samples;
  }

  /** S (a copy). */
  public double[] matrix() {
    return s.clone();
  }

  /** lambda = RIDGE tr(S) / n (1 for S = 0, so that the weight-only fit results). */
  public double ridge() {
    double trace = 0;
    for (int i = 0; i < n; i++) {
      trace += s[i * n + i];
    }
    return trace > 0 ? RIDGE * trace / n : 1.0;
  }

  /** S + lambda I, n x n row-major (a new array). */
  double[] ridged() {
    double[] r = s.clone();
    double lambda = ridge();
    for (int i = 0; i < n; i++) {
      r[i * n + i] += lambda;
    }
    return r;
  }

  /** The average of the K diagonal blocks of S over spatial offsets, a [C, C] moment (n = C K). */
  InputMoment channels(int k) {
    int c = n / k;
    double[] sc = new double[c * c];
    for (int a = 0; a < c; a++) {
      for (int b = 0; b < c; b++) {
        double sum = 0;
        for (int t = 0; t < k; t++) {
          sum += s[(a * k + t) * n + b * k + t];
        }
        sc[a * c + b] = sum / k;
      }
    }
    return new InputMoment(sc, c, samples);
  }

  /** L = V diag(w)^(1/2) with S + lambda I = V diag(w) V^T = L L^T (n x n row-major). */
  double[] sqrtFactor(LinearAlgebra la) {
    return sqrtFactor(la, ridged(), n);
  }

  /** L = V diag(max(w, 0))^(1/2) for a symmetric positive semi-definite G = V diag(w) V^T. */
  static double[] sqrtFactor(LinearAlgebra la, double[] g, int n) {
    SymmetricEigen e = la.symmetricEigen(g, n);
    double[] l = e.vectors().clone();
    for (int j = 0; j < n; j++) {
      double root = Math.sqrt(Math.max(0, e.values()[j]));
      for (int i = 0; i < n; i++) {
        l[i * n + j] *= root;
      }
    }
    return l;
  }

  /**
   * tr(D (S + lambda I) D^T) for D = W - Ŵ, both [m, n]: the data-aware squared error, m n^2 flops.
   */
  public double squaredError(LinearAlgebra la, DenseTensor w, DenseTensor approx) {
    double[] d = matrixOf(w, "W");
    double[] b = matrixOf(approx, "the approximation");
    for (int i = 0; i < d.length; i++) {
      d[i] -= b[i];
    }
    return quadratic(la, d, d.length / n);
  }

  /**
   * ||(W - Ŵ) (S + lambda I)^(1/2)||_F / ||W (S + lambda I)^(1/2)||_F: the relative error of the
   * layer's output on the calibration inputs (up to the ridge); 0 for W = 0.
   */
  public double relativeError(LinearAlgebra la, DenseTensor w, DenseTensor approx) {
    double[] a = matrixOf(w, "W");
    double den = quadratic(la, a, a.length / n);
    return den > 0 ? Math.sqrt(squaredError(la, w, approx) / den) : 0;
  }

  /** tr(D (S + lambda I) D^T) for D [m, n] row-major. */
  double quadratic(LinearAlgebra la, double[] d, int m) {
    double[] ds = la.multiply(false, false, m, n, n, d, ridged());
    double sum = 0;
    for (int i = 0; i < d.length; i++) {
      sum += ds[i] * d[i];
    }
    return Math.max(0, sum);
  }

  /** W viewed as [m, n]: any tensor whose size is a multiple of n, flattened row-major. */
  private double[] matrixOf(DenseTensor t, String what) {
    if (t.size() % n != 0) {
      throw new IllegalArgumentException(
          "InputMoment: "
              + what
              + " of shape "
              + Arrays.toString(t.shape())
              + " is not [m, "
              + n
              + "] (the input dimension of the second moment)");
    }
    return t.toArray();
  }
}
