package org.lowrank.rewrite;

import java.util.Arrays;
import org.lowrank.graph.Graph;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.ops.GemmAttributes;

/**
 * A Gemm or MatMul node with a constant 2-D weight, as the rewrite sees it. Supported forms:
 *
 * <ul>
 *   <li>{@code Gemm(A, B[, C])}, weight B: {@code Y = alpha * A' * B' + beta * C}, any
 *       transA/transB;
 *   <li>{@code MatMul(X, B)}, weight B [in, out]: {@code Y = X B};
 *   <li>{@code MatMul(A, X)}, weight A [out, in]: {@code Y = A X} (the weight on the left).
 * </ul>
 *
 * {@link #weight()} is always W [out, in] in the {@code y = x W^T} convention.
 *
 * @param node the Gemm or MatMul node
 * @param weightInput index of the weight input (1, or 0 for a MatMul with the weight on the left)
 * @param weightName the weight tensor name
 * @param storedWeight the weight as stored
 * @param transA Gemm transA (false for MatMul)
 * @param transB Gemm transB (false for MatMul)
 * @param alpha Gemm alpha (1 for MatMul)
 * @param beta Gemm beta (1 for MatMul)
 * @param biasName Gemm C input name, "" when absent (always "" for MatMul)
 */
public record DenseLayer(
    Node node,
    int weightInput,
    String weightName,
    TensorValue storedWeight,
    boolean transA,
    boolean transB,
    float alpha,
    float beta,
    String biasName) {

  /**
   * Reads a Gemm or MatMul node of {@code graph}.
   *
   * @throws ModelException when no input is a constant 2-D weight or the form is unsupported
   */
  public static DenseLayer of(Graph graph, Node node) {
    String op = node.opType();
    if (!node.domain().isEmpty() || !(op.equals("Gemm") || op.equals("MatMul"))) {
      throw new ModelException(node, "expected a Gemm or MatMul node");
    }
    int wi = 1;
    var w = Constants.resolve(graph, node.input(1));
    if (w.isEmpty() && op.equals("MatMul")) {
      wi = 0;
      w = Constants.resolve(graph, node.input(0));
    }
    if (w.isEmpty()) {
      throw new UnsupportedModelException(
          node,
          "input B '"
              + node.input(1)
              + "' is not an initializer or Constant"
              + (op.equals("MatMul") ? " (nor is input A)" : "")
              + "; fold constants (WeightFolding.fold) before rewriting");
    }
    TensorValue weight = w.get();
    if (weight.rank() != 2) {
      throw new UnsupportedModelException(
          node, "weight must be a 2-D matrix, found shape " + Arrays.toString(weight.dims()));
    }
    if (op.equals("MatMul")) {
      return new DenseLayer(node, wi, node.input(wi), weight, false, false, 1f, 1f, "");
    }
    GemmAttributes g = GemmAttributes.of(node);
    return new DenseLayer(
        node, 1, node.input(1), weight, g.transA(), g.transB(), g.alpha(), g.beta(), node.input(2));
  }

  public boolean isGemm() {
    return node.opType().equals("Gemm");
  }

  /** True for {@code MatMul(W, X)}: the weight is the left operand. */
  public boolean weightOnLeft() {
    return weightInput == 0;
  }

  /** W [out, in] with {@code y = x W^T} (for a left weight, {@code Y = W X}). */
  public TensorValue weight() {
    boolean storedAsOutIn = weightOnLeft() || (isGemm() && transB);
    return storedAsOutIn ? storedWeight : Tensors.transpose(storedWeight);
  }

  /** The stored layout of a W [out, in] matrix (inverse of {@link #weight()}). */
  TensorValue toStored(TensorValue outIn) {
    boolean storedAsOutIn = weightOnLeft() || (isGemm() && transB);
    return storedAsOutIn ? outIn : Tensors.transpose(outIn);
  }

  public long outFeatures() {
    return weight().dim(0);
  }

  public long inFeatures() {
    return weight().dim(1);
  }

  public boolean hasBias() {
    return !biasName.isEmpty();
  }

  @Override
  public String toString() {
    return "DenseLayer[" + node.label() + " W " + Arrays.toString(weight().dims()) + "]";
  }
}
