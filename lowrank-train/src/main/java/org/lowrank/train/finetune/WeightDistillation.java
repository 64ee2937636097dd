package org.lowrank.train.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.ops.ConvAttributes;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.exec.Tensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RENE's weight-distillation term: (1/L) sum_{l=1..L} mean((W_l - What_l)^2) over the L factorized
 * layers, between layer l's original dense weight W_l (from the teacher) and the dense product
 * What_l of its trainable factors in the student.
 *
 * <p>A factorized layer is found from a {@link LayerPair}: the teacher's Conv / ConvTranspose /
 * Gemm / MatMul that produces {@code teacher()}, and the student's chain of at least two linear
 * nodes that leads from the same input tensor to {@code student()}. What_l is the chain's response
 * to unit impulses ({@link GraphExecutor#linearChain}): one generic rule for Tucker-2, CP, SVD and
 * any other linear chain, exact when each spatial axis has one factor with a kernel wider than 1.
 * Layers with groups, dilation, or a chain that is not linear (e.g. reshapes) are left out and
 * logged. Owns the impulses and reference weights: close it (they live under the student's
 * manager).
 */
final class WeightDistillation implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WeightDistillation.class);

  private static final List<String> LINEAR_OPS = List.of("Conv", "ConvTranspose", "Gemm", "MatMul");

  /** Longest chain searched for (the factorizations here emit at most 4 nodes). */
  private static final int MAX_CHAIN = 8;

  /**
   * One factorized layer: impulses x [rows, ...], reference W in the [rows, O] layout of the
   * chain's response y = chain(x) reshaped to [rows, O].
   */
  private record Target(
      String layer,
      GraphExecutor.LinearChain chain,
      NDArray impulses,
      NDArray reference,
      long rows,
      long outputs) {}

  private final NDManager manager;
  private final List<Target> targets;

  private WeightDistillation(NDManager manager, List<Target> targets) {
    this.manager = manager;
    this.targets = targets;
  }

  /** The term for {@code pairs} between {@code teacher}'s weights and {@code student}'s chains. */
  static WeightDistillation of(GraphExecutor student, Model teacher, List<LayerPair> pairs) {
    NDManager m = student.manager().newSubManager();
    List<Target> targets = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try {
      for (LayerPair p : pairs) {
        String why = add(student, teacher.graph(), p, m, targets);
        if (why != null) {
          skipped.add(p.teacher() + " (" + why + ")");
        }
      }
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    if (!skipped.isEmpty()) {
      LOG.warn(
          "weight distillation covers {} of {} layers; left out: {}",
          targets.size(),
          pairs.size(),
          skipped);
    }
    return new WeightDistillation(m, targets);
  }

  /** Number of layers in the term. */
  int layers() {
    return targets.size();
  }

  /** (1/L) sum_l mean((W_l - What_l)^2), owned by {@code batch}; a zero scalar when L = 0. */
  NDArray loss(NDManager batch) {
    NDArray sum = batch.zeros(new Shape());
    for (Target t : targets) {
      sum = sum.add(dense(batch, t).sub(t.reference).square().mean());
    }
    return targets.isEmpty() ? sum : sum.div((float) targets.size());
  }

  /** The dense weights What_l of every layer, in the [rows, O] layout (for tests). */
  List<TensorValue> denseWeights() {
    return GraphExecutor.withoutGradients(
        () -> {
          try (NDManager batch = manager.newSubManager()) {
            List<TensorValue> out = new ArrayList<>();
            for (Target t : targets) {
              out.add(Tensors.toTensorValue(dense(batch, t)));
            }
            return out;
          }
        });
  }

  private static NDArray dense(NDManager batch, Target t) {
    return t.chain.apply(batch, t.impulses).reshape(t.rows, t.outputs);
  }

  /** Adds the target of {@code p} to {@code targets}; returns why it cannot, or null. */
  private static String add(
      GraphExecutor student, Graph teacher, LayerPair p, NDManager m, List<Target> targets) {
    Node layer = teacher.producers().get(p.teacher());
    if (layer == null || !LINEAR_OPS.contains(layer.opType())) {
      return "not produced by a Conv, ConvTranspose, Gemm or MatMul";
    }
    TensorValue w = teacher.initializers().get(layer.input(1));
    if (w == null) {
      return "its weight is not an initializer";
    }
    List<String> chain = chain(student.model().graph(), p.student(), layer.input(0));
    if (chain == null) {
      return "no chain of linear nodes from " + layer.input(0) + " in the student";
    }
    if (chain.size() < 2) {
      return "not factorized";
    }
    long[] d = w.dims();
    NDArray impulses;
    NDArray reference;
    long rows;
    long outputs;
    NDArray dense = Tensors.toNDArray(m, w);
    boolean conv = layer.opType().equals("Conv");
    if (conv || layer.opType().equals("ConvTranspose")) {
      ConvAttributes a = ConvAttributes.of(layer);
      if (a.group() != 1 || Arrays.stream(a.dilations(d.length - 2)).anyMatch(v -> v != 1)) {
        return "grouped or dilated convolution";
      }
    }
    if (layer.opType().equals("ConvTranspose")) {
      // W_T [C, O, k..]: the C impulses [C, C, 1..] give y [C, O, k..] = W_T
      rows = d[0];
      outputs = w.elementCount() / rows;
      long[] shape = new long[d.length];
      Arrays.fill(shape, 1);
      shape[0] = rows;
      shape[1] = rows;
      impulses = m.eye((int) rows).reshape(new Shape(shape));
      reference = dense.reshape(rows, outputs);
    } else if (conv) {
      outputs = d[0];
      rows = w.elementCount() / outputs;
      long[] shape = d.clone();
      shape[0] = rows; // [C k_1 .. k_n, C, k_1, .., k_n]: the unit impulses
      impulses = m.eye((int) rows).reshape(new Shape(shape));
      reference = dense.reshape(outputs, rows).transpose();
    } else {
      if (layer.attrLong("transA", 0) != 0 || d.length != 2) {
        return "transposed input or a weight of rank " + d.length;
      }
      boolean transB = layer.opType().equals("Gemm") && layer.attrLong("transB", 0) != 0;
      rows = transB ? d[1] : d[0];
      outputs = transB ? d[0] : d[1];
      impulses = m.eye((int) rows);
      reference = transB ? dense.transpose() : dense;
    }
    GraphExecutor.LinearChain c = student.linearChain(chain);
    long found =
        GraphExecutor.withoutGradients(
            () -> {
              try (NDManager probe = m.newSubManager()) {
                return c.apply(probe, impulses).size();
              }
            });
    if (found != rows * outputs) {
      return "the chain's impulse response has " + found + " values, not " + rows * outputs;
    }
    targets.add(new Target(p.teacher(), c, impulses, reference, rows, outputs));
    return null;
  }

  /**
   * Names of the student's linear nodes leading from {@code input} to {@code output}, in order;
   * null when the producers of {@code output} reach a non-linear node first.
   */
  private static List<String> chain(Graph g, String output, String input) {
    Map<String, Node> producers = g.producers();
    LinkedList<String> names = new LinkedList<>();
    String t = output;
    while (names.size() < MAX_CHAIN) {
      Node n = producers.get(t);
      if (n == null
          || !LINEAR_OPS.contains(n.opType())
          || !g.initializers().containsKey(n.input(1))) {
        return null;
      }
      names.addFirst(n.name());
      if (n.input(0).equals(input)) {
        return names;
      }
      t = n.input(0);
    }
    return null;
  }

  @Override
  public void close() {
    manager.close();
  }
}
