package org.lowrank.rewrite;

import java.util.List;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;

/** Emits the Gemm/MatMul chains of the dense factorizations (package-private). */
final class DenseChains {
  /** Gemm's C input is optional from opset 11 on. */
  private static final long GEMM_OPTIONAL_C_OPSET = 11;

  /** Slice takes starts/ends as inputs from opset 10 on. */
  private static final long SLICE_INPUTS_OPSET = 10;

  private DenseChains() {}

  static void emit(GraphEdit e, DenseLayer l, FactorizedLayer spec) {
    if (spec instanceof LowRankDense lr) {
      LayerRewriter.requireSameShape(
          l.node(), l.weight().dims(), new long[] {lr.left().dim(0), lr.right().dim(1)});
      lowRank(e, l, lr);
    } else if (spec instanceof TtMatrixDense tt) {
      LayerRewriter.requireSameShape(
          l.node(), l.weight().dims(), new long[] {tt.outFeatures(), tt.inFeatures()});
      ttMatrix(e, l, tt);
    } else {
      throw new ModelException(
          l.node(),
          "a " + spec.method() + " conv factorization cannot replace a " + l.node().opType());
    }
  }

  /** x -> (in -> r) -> (r -> out, bias), same op type and weight layout as the original. */
  private static void lowRank(GraphEdit e, DenseLayer l, LowRankDense lr) {
    String tag = lr.method();
    TensorValue left = lr.left(); // [out, r]
    TensorValue right = lr.right(); // [r, in]
    Node node = l.node();
    String out = node.output(0);
    if (!l.isGemm()) {
      if (l.weightOnLeft()) {
        // Y = W X = L (R X)
        String r = e.constant(tag + "_1.weight", right);
        String h = e.node(tag + "_1", Node.builder("MatMul").inputs(r, node.input(1)), null);
        String lw = e.constant(tag + "_2.weight", left);
        e.node(tag + "_2", Node.builder("MatMul").inputs(lw, h), out);
      } else {
        // Y = X W^T = (X R^T) L^T
        String r = e.constant(tag + "_1.weight", Tensors.transpose(right));
        String h = e.node(tag + "_1", Node.builder("MatMul").inputs(node.input(0), r), null);
        String lw = e.constant(tag + "_2.weight", Tensors.transpose(left));
        e.node(tag + "_2", Node.builder("MatMul").inputs(h, lw), out);
      }
      return;
    }
    // Gemm: B' = W^T; first B1' = R^T, then B2' = L^T, stored in the original transB layout.
    boolean tb = l.transB();
    String b1 = e.constant(tag + "_1.weight", tb ? right : Tensors.transpose(right));
    Node.Builder g1 = Node.builder("Gemm").attr("alpha", l.alpha()).attr("transB", tb ? 1L : 0L);
    if (l.transA()) {
      g1.attr("transA", 1L);
    }
    g1.inputs(withOptionalC(e, List.of(node.input(0), b1), "", tag + "_1.zero_bias", lr.rank()));
    String h = e.node(tag + "_1", g1, null);
    String b2 = e.constant(tag + "_2.weight", tb ? left : Tensors.transpose(left));
    Node.Builder g2 = Node.builder("Gemm").attr("beta", l.beta()).attr("transB", tb ? 1L : 0L);
    g2.inputs(withOptionalC(e, List.of(h, b2), l.biasName(), tag + "_2.zero_bias", left.dim(0)));
    e.node(tag + "_2", g2, out);
  }

  private static List<String> withOptionalC(
      GraphEdit e, List<String> ab, String c, String zeroSuffix, long width) {
    if (!c.isEmpty()) {
      return List.of(ab.get(0), ab.get(1), c);
    }
    if (e.opset() >= GEMM_OPTIONAL_C_OPSET) {
      return ab;
    }
    String z =
        e.constant(zeroSuffix, TensorValue.ofFloats(new long[] {width}, new float[(int) width]));
    return List.of(ab.get(0), ab.get(1), z);
  }

  /**
   * Contracts x [B, in] with one core at a time. State after k cores: [B, I_{>k}, O_{<=k}, r_k]
   * (row-major, I_{>k} = i_{k+1}..i_d, O_{<=k} = o_1..o_k). Step k: Reshape to [B, i_k, I_{>k},
   * O_{<k}, r_{k-1}], Transpose to [B, I_{>k}, O_{<k}, r_{k-1}, i_k], Reshape to [-1, r_{k-1} i_k],
   * MatMul by G_k as [r_{k-1} i_k, o_k r_k].
   */
  private static void ttMatrix(GraphEdit e, DenseLayer l, TtMatrixDense tt) {
    Node node = l.node();
    if (l.weightOnLeft()) {
      throw new UnsupportedModelException(
          node,
          "TT-matrix rewrite needs the weight as the right MatMul operand (Y = X W);"
              + " use an SVD/QR factorization for MatMul(W, X)");
    }
    String x = node.input(0);
    if (l.isGemm() && l.transA()) {
      x =
          e.node(
              "ttm_transpose_a", Node.builder("Transpose").inputs(x).attrInts("perm", 1, 0), null);
    }
    List<TensorValue> cores = tt.cores();
    int d = cores.size();
    long rest = tt.inFeatures();
    long outSoFar = 1;
    long r = 1;
    String state = x;
    for (int k = 0; k < d; k++) {
      TensorValue g = cores.get(k);
      if (k == d - 1 && l.isGemm() && l.alpha() != 1f) {
        g = Tensors.scale(g, l.alpha());
      }
      long ik = g.dim(2);
      long ok = g.dim(1);
      long rk = g.dim(3);
      rest /= ik;
      String step = "ttm_core" + (k + 1);
      String s =
          e.node(
              step + "_split",
              Node.builder("Reshape")
                  .inputs(state, e.longs(step + "_split.shape", -1, ik, rest, outSoFar, r)),
              null);
      String t =
          e.node(
              step + "_transpose",
              Node.builder("Transpose").inputs(s).attrInts("perm", 0, 2, 3, 4, 1),
              null);
      String u =
          e.node(
              step + "_rows",
              Node.builder("Reshape").inputs(t, e.longs(step + "_rows.shape", -1, r * ik)),
              null);
      TensorValue m = Tensors.permute(g, 0, 2, 1, 3).reshape(new long[] {r * ik, ok * rk});
      String mw = e.constant(step + ".weight", m);
      state = e.node(step, Node.builder("MatMul").inputs(u, mw), null);
      outSoFar *= ok;
      r = rk;
    }
    boolean bias = l.hasBias();
    String finalOut = bias ? null : node.output(0);
    String shaped;
    if (l.isGemm()) {
      shaped =
          e.node(
              "ttm_output",
              Node.builder("Reshape").inputs(state, e.longs("ttm_output.shape", -1, outSoFar)),
              finalOut);
    } else {
      String shape = e.node("ttm_input_shape", Node.builder("Shape").inputs(x), null);
      String lead;
      if (e.opset() >= SLICE_INPUTS_OPSET) {
        lead =
            e.node(
                "ttm_leading_dims",
                Node.builder("Slice")
                    .inputs(
                        shape,
                        e.longs("ttm_leading_dims.starts", 0),
                        e.longs("ttm_leading_dims.ends", -1)),
                null);
      } else {
        lead =
            e.node(
                "ttm_leading_dims",
                Node.builder("Slice")
                    .inputs(shape)
                    .attrInts("starts", 0)
                    .attrInts("ends", -1)
                    .attrInts("axes", 0),
                null);
      }
      String outShape =
          e.node(
              "ttm_output_shape",
              Node.builder("Concat")
                  .inputs(lead, e.longs("ttm_output_shape.features", outSoFar))
                  .attr("axis", 0L),
              null);
      shaped = e.node("ttm_output", Node.builder("Reshape").inputs(state, outShape), finalOut);
    }
    if (bias) {
      String c = l.biasName();
      if (l.beta() != 1f) {
        String betaName = e.constant("ttm_bias.beta", TensorValue.scalar(l.beta()));
        c = e.node("ttm_bias_scale", Node.builder("Mul").inputs(c, betaName), null);
      }
      e.node("ttm_bias", Node.builder("Add").inputs(shaped, c), node.output(0));
    }
  }
}
