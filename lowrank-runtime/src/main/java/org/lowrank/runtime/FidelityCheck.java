package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/**
 * How closely a compressed model follows its original, measured in ONNX Runtime on the same inputs:
 * top-1 agreement and relative output error of the first output, and for every factorized layer the
 * relative error of the tensors entering and leaving it, so the layers that add the most error can
 * be named.
 *
 * <p>Relative error of a tensor over all samples: {@code e = ||y_c - y_o||_F / ||y_o||_F}, with y_o
 * the original's value and y_c the compressed model's value of the same name. A layer's {@code
 * added} error is {@code e(output) - e(input)}: what the layer itself contributes on top of what
 * reached it. Non-finite values count as an infinite error and a disagreement.
 */
public final class FidelityCheck {
  private FidelityCheck() {}

  /**
   * A factorized layer to watch: the names of its input and output tensors, the same in the
   * original and in the rewritten graph (the rewrite keeps a layer's boundary names).
   */
  public record LayerProbe(String layer, String input, String output) {}

  /**
   * Relative errors around one layer.
   *
   * @param inputError relative error of the layer's input (0 when it is a graph input)
   * @param outputError relative error of the layer's output
   */
  public record LayerError(String layer, double inputError, double outputError) {
    /** The error this layer adds to what reached it, {@code max(0, output - input)}. */
    public double added() {
      double a = outputError - inputError;
      return Double.isNaN(a) ? Double.POSITIVE_INFINITY : Math.max(0, a);
    }
  }

  /**
   * What was measured.
   *
   * @param samples samples compared (first dimension of the first input, summed over the feeds)
   * @param output name of the compared model output (the original's first)
   * @param top1Agreement fraction of samples whose argmax over the last axis agrees, NaN when the
   *     output is not [N, classes]
   * @param outputError relative error of that output over all samples
   * @param outputRms root mean square of the original's output, {@code ||y_o||_F / sqrt(size)}: a
   *     reference near zero makes the relative error a ratio of rounding noise
   * @param layers per probed layer, in the order given
   */
  public record Measurement(
      long samples,
      String output,
      double top1Agreement,
      double outputError,
      double outputRms,
      List<LayerError> layers) {
    public Measurement {
      layers = List.copyOf(layers);
    }
  }

  /**
   * Runs both models on every feed and compares them.
   *
   * @param feeds one map of input tensors per run (e.g. batches of images); each is run as given
   * @param probes layers whose boundary tensors to compare; a name missing from either graph is
   *     skipped (its errors are NaN)
   */
  public static Measurement measure(
      Model original,
      Model compressed,
      List<LayerProbe> probes,
      List<Map<String, TensorValue>> feeds,
      RuntimeOptions options) {
    if (feeds.isEmpty()) {
      throw new IllegalArgumentException("fidelity check: no inputs to compare the models on");
    }
    String main = original.graph().outputs().get(0).name();
    Set<String> watched = new LinkedHashSet<>();
    Set<String> inOriginal = produced(original.graph());
    Set<String> inCompressed = produced(compressed.graph());
    for (LayerProbe p : probes) {
      for (String name : List.of(p.input(), p.output())) {
        if (inOriginal.contains(name) && inCompressed.contains(name)) {
          watched.add(name);
        }
      }
    }
    watched.remove(main);
    Accumulator acc = new Accumulator();
    try (OrtRunner ref = OrtRunner.open(withOutputs(original, watched), "original", options);
        OrtRunner cand = OrtRunner.open(withOutputs(compressed, watched), "compressed", options)) {
      for (Map<String, TensorValue> feed : feeds) {
        Map<String, TensorValue> a = ref.run(feed);
        Map<String, TensorValue> b = cand.run(feed);
        acc.add(main, a.get(main), b.get(main), true);
        for (String name : watched) {
          acc.add(name, a.get(name), b.get(name), false);
        }
        acc.samples += feed.values().iterator().next().dim(0);
      }
    }
    Set<String> graphInputs = new HashSet<>();
    original.graph().inputs().forEach(v -> graphInputs.add(v.name()));
    List<LayerError> layers = new ArrayList<>();
    for (LayerProbe p : probes) {
      double in = graphInputs.contains(p.input()) ? 0 : acc.error(p.input());
      layers.add(new LayerError(p.layer(), in, acc.error(p.output())));
    }
    double agreement = acc.rows == 0 ? Double.NaN : (double) acc.agreeing / acc.rows;
    return new Measurement(acc.samples, main, agreement, acc.error(main), acc.rms(main), layers);
  }

  /** Value names computed by the graph's nodes. */
  private static Set<String> produced(Graph g) {
    Set<String> out = new HashSet<>();
    for (Node n : g.nodes()) {
      out.addAll(n.outputs());
    }
    return out;
  }

  /** The model with {@code names} added as float outputs (already-declared outputs stay once). */
  static Model withOutputs(Model m, Set<String> names) {
    Graph g = m.graph();
    Set<String> have = new HashSet<>();
    g.outputs().forEach(v -> have.add(v.name()));
    Graph.Builder b = g.toBuilder();
    for (String n : names) {
      if (have.add(n)) {
        b.addOutput(new ValueInfo(n, DataType.FLOAT, null));
      }
    }
    return m.withGraph(b.build());
  }

  /** Sums of squared differences and references per tensor name, and argmax agreement. */
  private static final class Accumulator {
    final Map<String, double[]> sums = new LinkedHashMap<>();
    long samples;
    long rows;
    long agreeing;

    void add(String name, TensorValue ref, TensorValue cand, boolean classify) {
      if (ref == null || cand == null) {
        return;
      }
      double[] s = sums.computeIfAbsent(name, k -> new double[3]);
      long n = ref.elementCount();
      if (cand.elementCount() != n) {
        s[0] = Double.POSITIVE_INFINITY;
        return;
      }
      float[] a = ref.toFloatArray();
      float[] b = cand.toFloatArray();
      for (int i = 0; i < a.length; i++) {
        double d = (double) b[i] - a[i];
        s[0] += Double.isFinite(d) ? d * d : Double.POSITIVE_INFINITY;
        s[1] += (double) a[i] * a[i];
      }
      s[2] += a.length;
      if (classify && ref.rank() == 2 && ref.dim(1) > 1) {
        int k = (int) ref.dim(1);
        for (int r = 0; r < ref.dim(0); r++) {
          int ia = argMax(a, r * k, k);
          int ib = argMax(b, r * k, k);
          rows++;
          agreeing += ia >= 0 && ia == ib ? 1 : 0;
        }
      }
    }

    double error(String name) {
      double[] s = sums.get(name);
      if (s == null) {
        return Double.NaN;
      }
      if (s[1] == 0) {
        return s[0] == 0 ? 0 : Double.POSITIVE_INFINITY;
      }
      return Math.sqrt(s[0] / s[1]);
    }

    /** Root mean square of the reference values of {@code name}, NaN when none were compared. */
    double rms(String name) {
      double[] s = sums.get(name);
      return s == null || s[2] == 0 ? Double.NaN : Math.sqrt(s[1] / s[2]);
    }

    /** Index of the largest value, or -1 when the row holds a non-finite value. */
    static int argMax(float[] v, int off, int k) {
      int best = 0;
      for (int j = 0; j < k; j++) {
        if (!Float.isFinite(v[off + j])) {
          return -1;
        }
        if (v[off + j] > v[off + best]) {
          best = j;
        }
      }
      return best;
    }
  }
}
