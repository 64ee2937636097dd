package org.lowrank.ops;

import java.util.Arrays;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;

/**
 * The window attributes of Conv, ConvTranspose and the pooling ops, read once from a node: {@code
 * auto_pad}, {@code kernel_shape}, {@code strides}, {@code dilations}, {@code pads}, {@code group},
 * {@code ceil_mode}, and for ConvTranspose {@code output_padding} and {@code output_shape}.
 * Defaults follow the ONNX operator specs (stride and dilation 1, zero pads, group 1); the spatial
 * rank d comes from the input, so the per-axis accessors take it and check the lengths.
 *
 * <p>The geometry rules live here once: {@link #window} (Conv/pooling: output size {@code floor((in
 * + b + e - ((k-1) dil + 1)) / s) + 1}, ceil with {@code ceil_mode}, {@code ceil(in / s)} for SAME)
 * and {@link #transposedWindow} (ConvTranspose: {@code s (in - 1) + output_padding + (k-1) dil + 1
 * - b - e}, or the output_shape / SAME size {@code in s} with the total padding split by {@link
 * AutoPad}). Shape inference, the layer profile, the rewriter and the executor all read them.
 */
public final class ConvAttributes {
  private final Node node;
  private final AutoPad autoPad;
  private final long[] kernelShape;
  private final long[] strides;
  private final long[] dilations;
  private final long[] pads;
  private final long[] outputPadding;
  private final long[] outputShape;
  private final long group;
  private final boolean ceilMode;

  private ConvAttributes(Node n) {
    node = n;
    autoPad = AutoPad.of(n);
    kernelShape = n.attrLongs("kernel_shape", null);
    strides = n.attrLongs("strides", null);
    dilations = n.attrLongs("dilations", null);
    pads = n.attrLongs("pads", null);
    outputPadding = n.attrLongs("output_padding", null);
    outputShape = n.attrLongs("output_shape", null);
    group = n.attrLong("group", 1);
    ceilMode = n.attrLong("ceil_mode", 0) != 0;
  }

  /**
   * Reads the window attributes of {@code n}.
   *
   * @throws ModelException naming the node for an unknown {@code auto_pad}
   */
  public static ConvAttributes of(Node n) {
    return new ConvAttributes(n);
  }

  public Node node() {
    return node;
  }

  public AutoPad autoPad() {
    return autoPad;
  }

  public long group() {
    return group;
  }

  public boolean ceilMode() {
    return ceilMode;
  }

  /** True for ConvTranspose. */
  public boolean transposed() {
    return node.opType().equals("ConvTranspose");
  }

  /** Strides per spatial axis (default 1). */
  public long[] strides(int d) {
    return check(strides, d, "strides", true);
  }

  /** Dilations per spatial axis (default 1). */
  public long[] dilations(int d) {
    return check(dilations, d, "dilations", true);
  }

  /** The {@code pads} attribute as written, {@code [b_1..b_d, e_1..e_d]} (default 0). */
  public long[] pads(int d) {
    long[] p = pads == null ? new long[2 * d] : pads.clone();
    if (p.length != 2 * d) {
      throw mismatch(d, "pads " + Arrays.toString(p));
    }
    return p;
  }

  /** ConvTranspose {@code output_padding} per spatial axis (default 0). */
  public long[] outputPadding(int d) {
    return check(outputPadding, d, "output_padding", false);
  }

  /** ConvTranspose {@code output_shape} as written (it may include N and C), empty when absent. */
  public long[] outputShape() {
    return outputShape == null ? new long[0] : outputShape.clone();
  }

  /** True when ConvTranspose's output size is given (output_shape or a SAME auto_pad). */
  public boolean sizedOutput() {
    return outputShape != null || autoPad.isSame();
  }

  /**
   * The kernel size: the weight's spatial dims {@code weightKernel}, checked against {@code
   * kernel_shape} when that is given.
   */
  public long[] kernel(long[] weightKernel) {
    if (kernelShape != null && !Arrays.equals(kernelShape, weightKernel)) {
      throw new ModelException(
          node,
          "kernel_shape "
              + Arrays.toString(kernelShape)
              + " disagrees with the weight's spatial dims "
              + Arrays.toString(weightKernel));
    }
    return weightKernel.clone();
  }

  /** The pooling kernel ({@code kernel_shape} is required). */
  public long[] poolKernel() {
    if (kernelShape == null) {
      throw new ModelException(node, "pooling without kernel_shape");
    }
    return kernelShape.clone();
  }

  /**
   * Conv and pooling: output size and effective pads over spatial input sizes {@code in}, pads
   * resolved for SAME_UPPER/SAME_LOWER ({@code total = max(0, (ceil(in/s) - 1) s + (k-1) dil + 1 -
   * in)}) and VALID (0). With {@code ceil_mode} the last window must start inside the input or the
   * begin padding.
   *
   * @throws ModelException when the lengths do not fit d = in.length axes, a stride, dilation or
   *     kernel is not positive, or the window is larger than the padded input
   */
  public Window window(long[] in, long[] kernel) {
    int d = in.length;
    long[] s = strides == null ? ones(d) : strides.clone();
    long[] dil = dilations == null ? ones(d) : dilations.clone();
    long[] p = pads == null ? new long[2 * d] : pads.clone();
    if (s.length != d || dil.length != d || p.length != 2 * d || kernel.length != d) {
      throw new ModelException(
          node,
          "attributes do not match "
              + d
              + " spatial axes: kernel "
              + Arrays.toString(kernel)
              + ", strides "
              + Arrays.toString(s)
              + ", dilations "
              + Arrays.toString(dil)
              + ", pads "
              + Arrays.toString(p));
    }
    long[] out = new long[d];
    long[] eff = new long[2 * d];
    for (int i = 0; i < d; i++) {
      if (s[i] <= 0 || dil[i] <= 0 || kernel[i] <= 0) {
        throw new ModelException(node, "non-positive stride/dilation/kernel on spatial axis " + i);
      }
      long dk = Math.addExact(Math.multiplyExact(kernel[i] - 1, dil[i]), 1);
      switch (autoPad) {
        case SAME_UPPER, SAME_LOWER -> {
          out[i] = (in[i] + s[i] - 1) / s[i];
          long[] be = autoPad.split(Math.max(0, (out[i] - 1) * s[i] + dk - in[i]));
          eff[i] = be[0];
          eff[i + d] = be[1];
        }
        case VALID -> out[i] = in[i] >= dk ? (in[i] - dk) / s[i] + 1 : 0;
        case NOTSET -> {
          eff[i] = p[i];
          eff[i + d] = p[i + d];
          long span = in[i] + p[i] + p[i + d] - dk;
          if (span < 0) {
            throw new ModelException(
                node,
                "window "
                    + dk
                    + " (kernel "
                    + kernel[i]
                    + ", dilation "
                    + dil[i]
                    + ") is larger than the"
                    + " padded input "
                    + (in[i] + p[i] + p[i + d])
                    + " on spatial axis "
                    + i);
          }
          out[i] = (ceilMode ? (span + s[i] - 1) / s[i] : span / s[i]) + 1;
          if (ceilMode && (out[i] - 1) * s[i] >= in[i] + p[i]) {
            out[i]--; // the last window must start inside the input or the begin padding
          }
        }
        default -> throw new IllegalStateException(autoPad.name());
      }
    }
    return new Window(kernel.clone(), s, dil, eff, out);
  }

  /**
   * ConvTranspose: output size and the pads as applied. Without output_shape or SAME, pads are as
   * written (0 for VALID) and the output is {@code s (in - 1) + output_padding + (k-1) dil + 1 - b
   * - e}; otherwise the output is the last d values of output_shape, or {@code in s} for SAME, and
   * the total padding {@code s (in - 1) + output_padding + (k-1) dil + 1 - out} is split by {@link
   * AutoPad#split}.
   *
   * @throws ModelException when the attribute lengths do not fit d = in.length axes
   */
  public Window transposedWindow(long[] in, long[] kernel) {
    int d = in.length;
    long[] s = strides(d);
    long[] dil = dilations(d);
    long[] op = outputPadding(d);
    long[] p = autoPad == AutoPad.VALID ? new long[2 * d] : pads(d);
    if (kernel.length != d || (outputShape != null && outputShape.length < d)) {
      throw mismatch(
          d,
          "kernel " + Arrays.toString(kernel) + ", output_shape " + Arrays.toString(outputShape));
    }
    long[] out = new long[d];
    for (int i = 0; i < d; i++) {
      long full =
          Math.addExact(Math.multiplyExact(s[i], in[i] - 1) + op[i], (kernel[i] - 1) * dil[i] + 1);
      if (outputShape != null) {
        out[i] = outputShape[outputShape.length - d + i];
      } else if (autoPad.isSame()) {
        out[i] = Math.multiplyExact(in[i], s[i]);
      } else {
        out[i] = full - p[i] - p[i + d];
      }
      if (sizedOutput()) {
        long[] be = autoPad.split(full - out[i]);
        p[i] = be[0];
        p[i + d] = be[1];
      }
    }
    return new Window(kernel.clone(), s, dil, p, out);
  }

  private long[] check(long[] v, int d, String name, boolean one) {
    long[] r = v == null ? (one ? ones(d) : new long[d]) : v.clone();
    if (r.length != d) {
      throw mismatch(d, name + " " + Arrays.toString(r));
    }
    return r;
  }

  private ModelException mismatch(int d, String what) {
    return new ModelException(node, what + " do not fit " + d + " spatial axes");
  }

  /** {@code d} ones. */
  public static long[] ones(int d) {
    long[] o = new long[d];
    Arrays.fill(o, 1);
    return o;
  }
}
