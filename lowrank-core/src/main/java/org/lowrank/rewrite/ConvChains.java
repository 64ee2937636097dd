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
          node,
          "grouped "
              + c.opType()
              + " (group="
              + c.groups()
              + ") is not factorized; leave it out of the plan");
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
    } else if (spec instanceof LowRankDense svd && c.isPointwise()) {
      checkShape(c, svd.left().dim(0), svd.right().dim(1), Tensors.ones(c.spatialRank()));
      pointwiseSvd(e, c, svd);
    } else {
      throw new ModelException(
          node,
          "a " + spec.method() + " dense factorization cannot replace a " + c.opType() + " layer");
    }
  }

  private static void checkShape(ConvLayer c, long cout, long cin, long[] kernel) {
    LayerRewriter.requireSameShape(
        c.node(), c.weight().dims(), Tensors.concat(new long[] {cout, cin}, kernel));
  }

  /**
   * 1x1 (U_in^T), kxk (core), 1x1 (U_out, bias); a square factor (r_in = C_in or r_out = C_out) is
   * folded into the core, leaving two convs. For a ConvTranspose layer the core is a ConvTranspose
   * with the layer's attributes: the 1x1 channel maps commute with it, so the chain is exact.
   */
  private static void tucker(GraphEdit e, ConvLayer c, Tucker2Conv t, String tag) {
    int d = c.spatialRank();
    long rOut = t.core().dim(0);
    long rIn = t.core().dim(1);
    Window win = Window.of(c);
    if (t.foldsInput()) {
      String h = core(e, tag + "_core", c, c.node().input(0), t.coreTimesIn(), 1, win, "", null);
      pointwise(
          e,
          tag + "_out",
          h,
          t.outFactor().reshape(pointwiseShape(c.outChannels(), rOut, d)),
          c.biasName(),
          c.node().output(0));
      return;
    }
    if (t.foldsOutput()) {
      String h =
          pointwise(
              e,
              tag + "_in",
              c.node().input(0),
              Tensors.transpose(t.inFactor()).reshape(pointwiseShape(rIn, c.inChannels(), d)),
              "",
              null);
      core(e, tag + "_core", c, h, t.outTimesCore(), 1, win, c.biasName(), c.node().output(0));
      return;
    }
    String h1 =
        pointwise(
            e,
            tag + "_in",
            c.node().input(0),
            Tensors.transpose(t.inFactor()).reshape(pointwiseShape(rIn, c.inChannels(), d)),
            "",
            null);
    String h2 = core(e, tag + "_core", c, h1, t.core(), 1, win, "", null);
    pointwise(
        e,
        tag + "_out",
        h2,
        t.outFactor().reshape(pointwiseShape(c.outChannels(), rOut, d)),
        c.biasName(),
        c.node().output(0));
  }

  /**
   * 1x1 (C^T), depthwise conv(s) with group R, 1x1 (A diag(lambda), bias). Separable factors give
   * one depthwise op per axis carrying that axis' attributes; a ConvTranspose with output_shape
   * gets one depthwise op with the whole kernel instead (output_shape fixes all axes at once), the
   * parameter count the cost model assumes for CP anyway.
   */
  private static void cp(GraphEdit e, ConvLayer c, CpConv cp) {
    int d = c.spatialRank();
    long r = cp.rank();
    String h =
        pointwise(
            e,
            "cp_in",
            c.node().input(0),
            Tensors.transpose(cp.inFactor()).reshape(pointwiseShape(r, c.inChannels(), d)),
            "",
            null);
    Window win = Window.of(c);
    if (!cp.isSeparable() || c.hasOutputShape()) {
      // depthwise weight [R, 1, k..]: w[q, 0, s] = B[s, q]
      TensorValue w =
          Tensors.transpose(cp.fullSpatialFactor())
              .reshape(Tensors.concat(new long[] {r, 1}, cp.kernel()));
      h = core(e, "cp_depthwise", c, h, w, r, win, "", null);
    } else {
      List<TensorValue> bs = cp.spatialFactors();
      for (int j = 0; j < d; j++) {
        long[] k = Tensors.ones(d);
        k[j] = cp.kernel()[j];
        TensorValue w = Tensors.transpose(bs.get(j)).reshape(Tensors.concat(new long[] {r, 1}, k));
        h = core(e, "cp_depthwise" + (j + 1), c, h, w, r, win.axis(j), "", null);
      }
    }
    pointwise(
        e,
        "cp_out",
        h,
        cp.weightedOutFactor().reshape(pointwiseShape(c.outChannels(), r, d)),
        c.biasName(),
        c.node().output(0));
  }

  /**
   * A 1x1 conv W ~ L R as 1x1 (R [r, C_in], the layer's stride and padding), then 1x1 (L [C_out,
   * r], bias). Padded border pixels give 0 after the first conv and the bias after the second, as
   * the original does.
   */
  private static void pointwiseSvd(GraphEdit e, ConvLayer c, LowRankDense svd) {
    int d = c.spatialRank();
    long r = svd.rank();
    String h =
        core(
            e,
            svd.method() + "_in",
            c,
            c.node().input(0),
            svd.right().reshape(pointwiseShape(r, c.inChannels(), d)),
            1,
            Window.of(c),
            "",
            null);
    pointwise(
        e,
        svd.method() + "_out",
        h,
        svd.left().reshape(pointwiseShape(c.outChannels(), r, d)),
        c.biasName(),
        c.node().output(0));
  }

  private static long[] pointwiseShape(long cout, long cin, int d) {
    return Tensors.concat(new long[] {cout, cin}, Tensors.ones(d));
  }

  private static String pointwise(
      GraphEdit e, String suffix, String input, TensorValue w, String bias, String output) {
    return conv(e, suffix, "Conv", input, w, 1, Window.identity(w.rank() - 2), bias, output);
  }

  /** The layer's own op (Conv or ConvTranspose) with weight {@code w} in conv layout. */
  private static String core(
      GraphEdit e,
      String suffix,
      ConvLayer c,
      String input,
      TensorValue w,
      long group,
      Window win,
      String bias,
      String output) {
    TensorValue stored = c.transposed() ? ConvLayer.swapChannelAxes(w, group) : w;
    return conv(e, suffix, c.opType(), input, stored, group, win, bias, output);
  }

  /**
   * One Conv or ConvTranspose node with weight {@code w} as the op stores it (Conv [Cout,
   * Cin/group, k..], ConvTranspose [Cin, Cout/group, k..]); returns its output name.
   */
  private static String conv(
      GraphEdit e,
      String suffix,
      String op,
      String input,
      TensorValue w,
      long group,
      Window win,
      String bias,
      String output) {
    String wName = e.constant(suffix + ".weight", w);
    Node.Builder b = Node.builder(op);
    if (bias.isEmpty()) {
      b.inputs(input, wName);
    } else {
      b.inputs(input, wName, bias);
    }
    b.attrInts("kernel_shape", Arrays.copyOfRange(w.dims(), 2, w.rank()))
        .attrInts("strides", win.strides())
        .attrInts("dilations", win.dilations())
        .attr("group", group);
    if (win.autoPad().equals("NOTSET")) {
      b.attrInts("pads", win.pads());
    } else {
      b.attr("auto_pad", win.autoPad());
    }
    if (op.equals("ConvTranspose")) {
      if (Arrays.stream(win.outputPadding()).anyMatch(v -> v != 0)) {
        b.attrInts("output_padding", win.outputPadding());
      }
      if (win.outputShape().length > 0) {
        b.attrInts("output_shape", win.outputShape());
      }
    }
    return e.node(suffix, b, output);
  }

  /**
   * The sliding-window attributes of one emitted op; pads [b_1..b_d, e_1..e_d].
   *
   * @param outputPadding ConvTranspose only (all zero for Conv)
   * @param outputShape ConvTranspose only (empty when absent)
   */
  private record Window(
      long[] strides,
      long[] dilations,
      long[] pads,
      String autoPad,
      long[] outputPadding,
      long[] outputShape) {

    static Window of(ConvLayer c) {
      return new Window(
          c.strides(), c.dilations(), c.pads(), c.autoPad(), c.outputPadding(), c.outputShape());
    }

    /** Stride 1, dilation 1, no padding: a 1x1 op, or an axis a per-axis op leaves alone. */
    static Window identity(int d) {
      return new Window(
          Tensors.ones(d), Tensors.ones(d), new long[2 * d], "NOTSET", new long[d], new long[0]);
    }

    /** This window on axis {@code j} only, the identity on the others (needs no output_shape). */
    Window axis(int j) {
      int d = strides.length;
      Window w = identity(d);
      w.strides[j] = strides[j];
      w.dilations[j] = dilations[j];
      w.pads[j] = pads[j];
      w.pads[d + j] = pads[d + j];
      w.outputPadding[j] = outputPadding[j];
      return new Window(w.strides, w.dilations, w.pads, autoPad, w.outputPadding, w.outputShape);
    }
  }
}
