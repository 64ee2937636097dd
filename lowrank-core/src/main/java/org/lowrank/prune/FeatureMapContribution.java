package org.lowrank.prune;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.ops.ConvAttributes;

/**
 * A data-driven criterion: the energy a channel contributes to the next feature maps, measured on
 * calibration data (in the spirit of the feature-map similarity selector). For each consumer layer
 * (Conv, Gemm, MatMul) reading channel position c of a group tensor x [N, C, ...], removing the
 * channel takes the term W[:, c] * x_c out of its output; the score adds the estimate
 *
 * <pre>  E ||W[:, c] * x_c||^2  ~  ||W[:, c]||_F^2 * mean(x_c^2)</pre>
 *
 * over consumers (and over the H*W positions of a channel flattened into a Gemm). The feature maps
 * are given ({@link #taps} names them): this class does not run the model.
 *
 * <p>When the pruner compensates a removed channel by its mean ({@link
 * ChannelPruner#prune(ChannelDependencies, PruneSelection, Map)}), only the deviation from the mean
 * is lost, and the {@link #centered} score uses the variance instead: ||W[:, c]||_F^2 var(x_c).
 */
public final class FeatureMapContribution implements PruneCriterion {
  private final Map<String, TensorValue> featureMaps;
  private final boolean centered;

  /**
   * The second-moment score (removal without compensation).
   *
   * @param featureMaps tensor name -> its value on a calibration batch [N, C, ...]
   */
  public FeatureMapContribution(Map<String, TensorValue> featureMaps) {
    this(featureMaps, false);
  }

  private FeatureMapContribution(Map<String, TensorValue> featureMaps, boolean centered) {
    this.featureMaps = Map.copyOf(featureMaps);
    this.centered = centered;
  }

  /** The variance score, for removal with mean compensation. */
  public static FeatureMapContribution centered(Map<String, TensorValue> featureMaps) {
    return new FeatureMapContribution(featureMaps, true);
  }

  /**
   * Per tapped tensor, the mean over batch and spatial positions of each position of axis 1: what
   * {@link ChannelPruner} folds into the consumers' biases.
   */
  public static Map<String, double[]> channelMeans(Map<String, TensorValue> featureMaps) {
    Map<String, double[]> out = new java.util.LinkedHashMap<>();
    featureMaps.forEach((k, v) -> out.put(k, moments(v)[0]));
    return out;
  }

  @Override
  public String name() {
    return centered ? "feature-map (centered)" : "feature-map";
  }

  /** The tensors whose feature maps {@link #scores} reads for {@code groups}. */
  public static Set<String> taps(ChannelDependencies deps, List<ChannelGroup> groups) {
    Set<String> out = new LinkedHashSet<>();
    for (Node n : deps.model().graph().nodes()) {
      if (isConsumer(n)) {
        deps.placement(n.input(0))
            .filter(p -> groups.stream().anyMatch(g -> g.index() == p.group()))
            .ifPresent(p -> out.add(n.input(0)));
      }
    }
    return out;
  }

  private static boolean isConsumer(Node n) {
    return switch (n.opType()) {
      case "Conv" -> ConvAttributes.of(n).group() == 1;
      case "Gemm" -> n.attrLong("transA", 0) == 0;
      case "MatMul" -> true;
      default -> false;
    };
  }

  @Override
  public double[] scores(ChannelDependencies deps, ChannelGroup group) {
    double[] s = new double[group.width()];
    for (Node n : deps.model().graph().nodes()) {
      ChannelDependencies.Placement p = deps.placement(n.input(0)).orElse(null);
      if (p == null || p.group() != group.index() || !isConsumer(n)) {
        continue;
      }
      TensorValue x = featureMaps.get(n.input(0));
      if (x == null) {
        throw new IllegalArgumentException(
            "no feature map for '" + n.input(0) + "' read by " + n.label() + "; tap it");
      }
      TensorValue w = deps.model().graph().initializer(n.input(1)).orElseThrow();
      // weight column c: Conv W[:, c, ...], Gemm transB B[:, c], else B[c, :]
      boolean columns = n.opType().equals("Conv") || n.attrLong("transB", 0) == 1;
      double[] colEnergy = energy(w, columns ? 1 : 0);
      double[][] mom = moments(x);
      double[] meanSq = mom[1];
      if (centered) {
        for (int c = 0; c < meanSq.length; c++) {
          meanSq[c] = Math.max(0, meanSq[c] - mom[0][c] * mom[0][c]);
        }
      }
      for (int c = 0; c < meanSq.length; c++) {
        s[p.units()[c / p.block()]] += colEnergy[c] * meanSq[c];
      }
    }
    return s;
  }

  /** Sum of squares of each slice of {@code axis} (0 or 1). */
  private static double[] energy(TensorValue w, int axis) {
    long[] d = w.dims();
    int n = (int) d[axis];
    int inner = 1;
    for (int i = axis + 1; i < d.length; i++) {
      inner *= (int) d[i];
    }
    int outer = axis == 0 ? 1 : (int) d[0];
    double[] e = new double[n];
    for (int o = 0; o < outer; o++) {
      for (int c = 0; c < n; c++) {
        int base = (o * n + c) * inner;
        for (int i = 0; i < inner; i++) {
          double v = w.doubleAt(base + i);
          e[c] += v * v;
        }
      }
    }
    return e;
  }

  /** {mean, mean of squares} over batch and spatial positions, per position of axis 1. */
  private static double[][] moments(TensorValue x) {
    long[] d = x.dims();
    int c = (int) d[1];
    int inner = 1;
    for (int i = 2; i < d.length; i++) {
      inner *= (int) d[i];
    }
    int batch = (int) d[0];
    double[] m = new double[c];
    double[] sq = new double[c];
    for (int b = 0; b < batch; b++) {
      for (int k = 0; k < c; k++) {
        int base = (b * c + k) * inner;
        for (int i = 0; i < inner; i++) {
          double v = x.doubleAt(base + i);
          m[k] += v;
          sq[k] += v * v;
        }
      }
    }
    for (int k = 0; k < c; k++) {
      m[k] /= (double) batch * inner;
      sq[k] /= (double) batch * inner;
    }
    return new double[][] {m, sq};
  }
}
