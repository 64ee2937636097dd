package org.lowrank.train.dse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Locale;

/**
 * How two feature maps of the same layer are compared. Both take a reference Y and a candidate Ŷ of
 * the same shape [N, ...] (N calibration samples), flatten each sample to a row of p features (X_i
 * = vec(Y[i])), and compute in float64. 1 means "as the original".
 *
 * <ul>
 *   <li>{@link #COSINE} (default): the mean over samples of the per-sample cosine, {@code (1/N)
 *       sum_i <y_i, ŷ_i> / (||y_i|| ||ŷ_i||)}. A per-sample mean (rather than one cosine of the
 *       whole batch) keeps samples with small activations from being drowned by large ones. With ŷ
 *       = y + e and e roughly orthogonal to y, cos = 1 / sqrt(1 + ||e||^2/||y||^2): 0.98 is about a
 *       20% relative output error, 0.995 about 10%. A sample whose two maps are both zero counts as
 *       1, one that is zero in only one of them as 0.
 *   <li>{@link #CENTERED_COSINE}: the same per-sample cosine after subtracting, from both maps, the
 *       reference's mean per channel (axis 1, averaged over the samples and the spatial positions):
 *       {@code (1/N) sum_i <y_i - mu, ŷ_i - mu> / (||y_i - mu|| ||ŷ_i - mu||)}. Plain cosine gives
 *       free credit for what every candidate keeps: the layer's bias, which the factorizations
 *       carry over exactly, and the per-channel mean of the response. On a layer whose outputs are
 *       mostly bias and mean, a rank-1 candidate scores about 0.8 in plain cosine, as high as far
 *       better ranks, and a global budget then cuts that layer to rank 1 (seen on the Fashion-MNIST
 *       VGG's conv2_2); centering scores only the part of the output the ranks decide. An error in
 *       the mean still counts, as it is measured against the reference's mean. Needs at least two
 *       values per channel (N times the spatial size).
 *   <li>{@link #LINEAR_CKA}: linear centered kernel alignment (Kornblith et al. 2019) with the
 *       samples as examples: Y and Ŷ as [N, p] matrices, columns centered over the samples, {@code
 *       CKA = ||Ŷ^T Y||_F^2 / (||Y^T Y||_F ||Ŷ^T Ŷ||_F)}, computed through the N x N Gram matrices
 *       (cheap for p >> N). Invariant to orthogonal transforms and isotropic scaling of the
 *       features and to a common offset, so it rates the representation rather than the exact
 *       values: it is more lenient than cosine and needs a higher threshold. Needs N >= 2; two
 *       constant maps give 1.
 * </ul>
 *
 * <p>Why cosine is the default: a factorized layer replaces the original in place, so a change of
 * scale or a rotation of its output is an error for the next layer, which cosine sees and CKA does
 * not. Measured on ResNet-20 (all 3x3 convs, 64 CIFAR-10 images, raw truncations without the refit,
 * no fine-tuning, 1000 test images, original 81.9% top-1): Tucker-2 at cosine >= 0.98 keeps 89% of
 * the parameters at 67.4% top-1, at CKA >= 0.99 it keeps 30% at 10.7%; CP at cosine 0.98 keeps 40%
 * at 74.5%, at CKA 0.99 16% at 16.3%.
 */
public enum SimilarityMetric {
  COSINE("cosine"),
  CENTERED_COSINE("centered"),
  LINEAR_CKA("cka");

  private final String cliName;

  SimilarityMetric(String cliName) {
    this.cliName = cliName;
  }

  /** Name used on the command line and in plans ("cosine", "centered", "cka"). */
  public String cliName() {
    return cliName;
  }

  /** Parses "cosine", "centered" or "cka" (also the enum names, case-insensitive). */
  public static SimilarityMetric parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (SimilarityMetric m : values()) {
      if (m.cliName.equals(n) || m.name().toLowerCase(Locale.ROOT).equals(n)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown similarity metric '" + name + "': expected cosine, centered or cka");
  }

  /**
   * The similarity of {@code candidate} to {@code reference}, both [N, ...] with the same shape.
   * Temporary arrays are attached to the reference's manager; close that manager to free them.
   *
   * @throws IllegalArgumentException if the shapes differ (or N < 2 for CKA)
   */
  public double compute(NDArray reference, NDArray candidate) {
    return compute(reference, candidate, false);
  }

  /**
   * As {@link #compute(NDArray, NDArray)}, with the channel axis of {@link #CENTERED_COSINE} given:
   * the last axis when {@code channelsLast} (dense outputs [N, .., C]), else axis 1 (conv outputs
   * [N, C, spatial..]). The other metrics do not use it.
   */
  public double compute(NDArray reference, NDArray candidate, boolean channelsLast) {
    long[] a = reference.getShape().getShape();
    long[] b = candidate.getShape().getShape();
    if (!Arrays.equals(a, b) || a.length < 1) {
      throw new IllegalArgumentException(
          "feature maps to compare must have the same shape [N, ...], found reference "
              + Arrays.toString(a)
              + " and candidate "
              + Arrays.toString(b));
    }
    long n = a[0];
    NDArray y = reference.toType(DataType.FLOAT64, false);
    NDArray z = candidate.toType(DataType.FLOAT64, false);
    return switch (this) {
      case COSINE -> cosine(y.reshape(n, -1), z.reshape(n, -1));
      case CENTERED_COSINE -> centeredCosine(y, z, channelsLast);
      case LINEAR_CKA -> linearCka(y.reshape(n, -1), z.reshape(n, -1));
    };
  }

  /**
   * Cosine after subtracting the reference's per-channel mean from both maps (see the class doc).
   */
  private static double centeredCosine(NDArray y, NDArray z, boolean channelsLast) {
    long[] shape = y.getShape().getShape();
    long n = shape[0];
    long channels = shape.length < 2 ? 1 : channelsLast ? shape[shape.length - 1] : shape[1];
    long positions = y.size() / Math.max(1, n * channels);
    if (n * positions < 2) {
      throw new IllegalArgumentException(
          "centered cosine needs at least 2 values per channel to take "
              + "a mean over, found a batch of "
              + n
              + " with "
              + positions
              + " position(s) per channel; "
              + "use a larger calibration batch");
    }
    if (channelsLast) {
      NDArray y2 = y.reshape(-1, channels);
      NDArray mu = y2.mean(new int[] {0}, true); // [1, C]
      return cosine(y2.sub(mu).reshape(n, -1), z.reshape(-1, channels).sub(mu).reshape(n, -1));
    }
    NDArray y3 = y.reshape(n, channels, positions);
    NDArray z3 = z.reshape(n, channels, positions);
    NDArray mu = y3.mean(new int[] {2}, true).mean(new int[] {0}, true); // [1, C, 1]
    return cosine(y3.sub(mu).reshape(n, -1), z3.sub(mu).reshape(n, -1));
  }

  private static double cosine(NDArray y, NDArray z) {
    double[] dot = y.mul(z).sum(new int[] {1}).toDoubleArray();
    double[] ny = y.mul(y).sum(new int[] {1}).toDoubleArray();
    double[] nz = z.mul(z).sum(new int[] {1}).toDoubleArray();
    double total = 0;
    for (int i = 0; i < dot.length; i++) {
      if (ny[i] == 0 && nz[i] == 0) {
        total += 1;
      } else if (ny[i] > 0 && nz[i] > 0) {
        total += dot[i] / Math.sqrt(ny[i] * nz[i]);
      }
    }
    return total / dot.length;
  }

  private static double linearCka(NDArray y, NDArray z) {
    long n = y.getShape().get(0);
    if (n < 2) {
      throw new IllegalArgumentException(
          "linear CKA compares samples and needs a calibration batch of at least 2, found " + n);
    }
    NDArray yc = y.sub(y.mean(new int[] {0}, true));
    NDArray zc = z.sub(z.mean(new int[] {0}, true));
    NDArray k = yc.matMul(yc.transpose());
    NDArray l = zc.matMul(zc.transpose());
    double kl = k.mul(l).sum().getDouble();
    double kk = k.mul(k).sum().getDouble();
    double ll = l.mul(l).sum().getDouble();
    if (kk == 0 && ll == 0) {
      return 1;
    }
    if (kk == 0 || ll == 0) {
      return 0;
    }
    return kl / Math.sqrt(kk * ll);
  }
}
