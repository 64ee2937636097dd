package org.lowrank.rewrite;

import java.util.Arrays;
import java.util.List;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;

/** Emits the Conv chains of the conv factorizations (package-private). */
final class ConvChains {
  private ConvChains() {}

  static void emit(GraphEdit e, ConvLayer c, FactorizedLayer spec) {
    Node node = c.node();
    if (c.isGrouped()) {
      throw new UnsupportedModelException(
          node, "grouped conv (group=" + c.groups() + ") is not factorized; leave it out of the plan");
    }
    if (spec instanceof Tucker2Conv t) {
      checkShape(c, t.outFactor().dim(0), t.inFactor().dim(0), t.kernel());
      tucker(e, c, t, "tucker2");
    } else if (spec instanceof TtConv tt) {
      checkShape(c, tt.first().dim(0), tt.last().dim(1), tt.kernel());
      tucker(e, c, tt.asTucker2(), "tt");
    } else if (spec instanceof CpConv cp) {
      checkShape(c, cp.outFactor().dim(0), cp.inFactor().dim(0), cp.kernel());
      cp(e, c, cp);
    } else {
      throw new ModelException(
          node, "a " + spec.method() + " dense factorization cannot replace a Conv layer");
    }
  }

  private static void checkShape(ConvLayer c, long cout, long cin, long[] kernel) {
    LayerRewriter.requireSameShape(
        c.node(), c.weight().dims(), Tensors.concat(new long[] {cout, cin}, kernel));
  }

  /**
   * 1x1 (U_in^T), kxk (core), 1x1 (U_out, bias); a square factor (r_in = C_in or r_out = C_out) is
   * folded into the core, leaving two convs.
   */
  private static void tucker(GraphEdit e, ConvLayer c, Tucker2Conv t, String tag) {
    int d = c.spatialRank();
    long rOut = t.core().dim(0);
    long rIn = t.core().dim(1);
    if (t.foldsInput()) {
      String h = conv(e, tag + "_core", c.node().input(0), t.coreTimesIn(), 1, c.strides(),
          c.dilations(), c.pads(), c.autoPad(), "", null);
      pointwise(e, tag + "_out", h, t.outFactor().reshape(pointwiseShape(c.outChannels(), rOut, d)),
          c.biasName(), c.node().output(0));
      return;
    }
    if (t.foldsOutput()) {
      String h = pointwise(e, tag + "_in", c.node().input(0),
          Tensors.transpose(t.inFactor()).reshape(pointwiseShape(rIn, c.inChannels(), d)), "", null);
      conv(e, tag + "_core", h, t.outTimesCore(), 1, c.strides(), c.dilations(), c.pads(),
          c.autoPad(), c.biasName(), c.node().output(0));
      return;
    }
    String h1 =
        pointwise(e, tag + "_in", c.node().input(0),
            Tensors.transpose(t.inFactor()).reshape(pointwiseShape(rIn, c.inChannels(), d)),
            "", null);
    String h2 =
        conv(e, tag + "_core", h1, t.core(), 1, c.strides(), c.dilations(), c.pads(), c.autoPad(),
            "", null);
    pointwise(e, tag + "_out", h2, t.outFactor().reshape(pointwiseShape(c.outChannels(), rOut, d)),
        c.biasName(), c.node().output(0));
  }

  /** 1x1 (C^T), depthwise conv(s) with group R, 1x1 (A diag(lambda), bias). */
  private static void cp(GraphEdit e, ConvLayer c, CpConv cp) {
    int d = c.spatialRank();
    long r = cp.rank();
    String h =
        pointwise(e, "cp_in", c.node().input(0),
            Tensors.transpose(cp.inFactor()).reshape(pointwiseShape(r, c.inChannels(), d)), "",
            null);
    if (!cp.isSeparable()) {
      // depthwise weight [R, 1, k..]: w[q, 0, s] = B[s, q]
      TensorValue w = Tensors.transpose(cp.spatialFactors().get(0))
          .reshape(Tensors.concat(new long[] {r, 1}, cp.kernel()));
      h = conv(e, "cp_depthwise", h, w, r, c.strides(), c.dilations(), c.pads(), c.autoPad(), "",
          null);
    } else {
      List<TensorValue> bs = cp.spatialFactors();
      for (int j = 0; j < d; j++) {
        long[] k = Tensors.ones(d);
        k[j] = cp.kernel()[j];
        long[] strides = Tensors.ones(d);
        strides[j] = c.strides()[j];
        long[] dil = Tensors.ones(d);
        dil[j] = c.dilations()[j];
        long[] pads = new long[2 * d];
        pads[j] = c.pads()[j];
        pads[d + j] = c.pads()[d + j];
        TensorValue w = Tensors.transpose(bs.get(j)).reshape(Tensors.concat(new long[] {r, 1}, k));
        h = conv(e, "cp_depthwise" + (j + 1), h, w, r, strides, dil, pads, c.autoPad(), "", null);
      }
    }
    pointwise(e, "cp_out", h, cp.weightedOutFactor().reshape(pointwiseShape(c.outChannels(), r, d)),
        c.biasName(), c.node().output(0));
  }

  private static long[] pointwiseShape(long cout, long cin, int d) {
    return Tensors.concat(new long[] {cout, cin}, Tensors.ones(d));
  }

  private static String pointwise(
      GraphEdit e, String suffix, String input, TensorValue w, String bias, String output) {
    int d = w.rank() - 2;
    return conv(e, suffix, input, w, 1, Tensors.ones(d), Tensors.ones(d), new long[2 * d], "NOTSET",
        bias, output);
  }

  /** One Conv node with weight {@code w} [Cout, Cin/group, k..]; returns its output name. */
  static String conv(
      GraphEdit e,
      String suffix,
      String input,
      TensorValue w,
      long group,
      long[] strides,
      long[] dilations,
      long[] pads,
      String autoPad,
      String bias,
      String output) {
    String wName = e.constant(suffix + ".weight", w);
    Node.Builder b = Node.builder("Conv");
    if (bias.isEmpty()) {
      b.inputs(input, wName);
    } else {
      b.inputs(input, wName, bias);
    }
    b.attrInts("kernel_shape", Arrays.copyOfRange(w.dims(), 2, w.rank()))
        .attrInts("strides", strides)
        .attrInts("dilations", dilations)
        .attr("group", group);
    if (autoPad.equals("NOTSET")) {
      b.attrInts("pads", pads);
    } else {
      b.attr("auto_pad", autoPad);
    }
    return e.node(suffix, b, output);
  }
}
