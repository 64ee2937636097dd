package org.lowrank.train.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.ops.ConstantOps;
import org.lowrank.ops.ShapeRules;
import org.lowrank.ops.Shapes;

/**
 * Shape-manipulating kernels: Flatten, Reshape, Transpose, Concat, Slice, Pad, Squeeze, Unsqueeze,
 * Shape, Gather, Expand, Constant, and nearest Upsample/Resize by whole scales. Integer operands
 * (shapes, axes, pads) are int64 arrays read back to Java when the kernel runs, so shape sub-graphs
 * (Shape -> Gather -> Concat -> Reshape) follow the actual batch size.
 */
final class ShapeKernels {
  private ShapeKernels() {}

  static void register(Map<String, Kernels.Factory> f) {
    f.put("Flatten", ShapeKernels::flatten);
    f.put("Reshape", ShapeKernels::reshape);
    f.put("Transpose", ShapeKernels::transpose);
    f.put("Concat", ShapeKernels::concat);
    f.put("Slice", ShapeKernels::slice);
    f.put("Pad", ShapeKernels::pad);
    f.put("Squeeze", ShapeKernels::squeeze);
    f.put("Unsqueeze", ShapeKernels::unsqueeze);
    f.put("Shape", ShapeKernels::shape);
    f.put("Gather", ShapeKernels::gather);
    f.put("Expand", (n, o) -> (c, in) -> Kernels.one(expand(n, in[0], in[1].toLongArray())));
    f.put("Constant", ShapeKernels::constant);
    f.put("Split", ShapeKernels::split);
    f.put("ConstantOfShape", ShapeKernels::constantOfShape);
    f.put("Upsample", ShapeKernels::nearestResize);
    f.put("Resize", ShapeKernels::nearestResize);
  }

  /**
   * Upsample (opsets 7-9) and Resize in nearest mode by a whole factor k per axis: {@code y[i] =
   * x[floor(i / k)]}, each element repeated k times along its axis. Only the coordinate modes for
   * which nearest resizing by a whole factor is exactly this repetition are accepted: Upsample and
   * Resize-10 (asymmetric, floor), Resize-11+ with asymmetric + floor or (pytorch_)half_pixel +
   * round_prefer_floor/ceil (the defaults). Linear/cubic modes and fractional factors are rejected.
   */
  private static Kernel nearestResize(Node n, long opset) {
    String mode = n.attrString("mode", "nearest");
    if (!mode.equals("nearest")) {
      throw new UnsupportedOpException(
          n.opType(), n.name(), "mode=" + mode + " (only nearest is supported)");
    }
    boolean resize11 = n.opType().equals("Resize") && opset >= 11;
    if (resize11) {
      String coords = n.attrString("coordinate_transformation_mode", "half_pixel");
      String nearest = n.attrString("nearest_mode", "round_prefer_floor");
      boolean floorAsymmetric = coords.equals("asymmetric") && nearest.equals("floor");
      boolean roundHalfPixel =
          (coords.equals("half_pixel") || coords.equals("pytorch_half_pixel"))
              && nearest.startsWith("round_prefer_");
      if (!floorAsymmetric && !roundHalfPixel) {
        throw new UnsupportedOpException(
            n.opType(),
            n.name(),
            "coordinate_transformation_mode=" + coords + " with nearest_mode=" + nearest);
      }
    }
    float[] attrScales = n.hasAttribute("scales") ? n.attributes().get("scales").asFloats() : null;
    return (c, in) -> {
      NDArray x = in[0];
      long[] dims = x.getShape().getShape();
      double[] factors = new double[dims.length];
      NDArray sizes = resize11 && in.length > 3 ? in[3] : null;
      NDArray scales = resize11 ? (in.length > 2 ? in[2] : null) : (in.length > 1 ? in[1] : null);
      if (sizes != null && sizes.size() > 0) {
        long[] s = longs(sizes);
        for (int i = 0; i < dims.length; i++) {
          factors[i] = s[i] / (double) dims[i];
        }
      } else if (scales != null && scales.size() > 0) {
        float[] s = scales.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < dims.length; i++) {
          factors[i] = s[i];
        }
      } else if (attrScales != null) {
        for (int i = 0; i < dims.length; i++) {
          factors[i] = attrScales[i];
        }
      } else {
        throw new IllegalArgumentException("node " + n.label() + ": no scales or sizes");
      }
      NDArray y = x;
      for (int axis = 0; axis < dims.length; axis++) {
        long k = Math.round(factors[axis]);
        if (k < 1 || Math.abs(factors[axis] - k) > 1e-6) {
          throw new UnsupportedOpException(
              n.opType(),
              n.name(),
              "scale "
                  + factors[axis]
                  + " on axis "
                  + axis
                  + " (only whole factors >= 1 are supported)");
        }
        if (k > 1) {
          y = y.repeat(axis, k);
        }
      }
      return Kernels.one(y == x ? y.duplicate() : y);
    };
  }

  static long[] longs(NDArray a) {
    if (a.getDataType() != DataType.INT64) {
      a = a.toType(DataType.INT64, false);
    }
    return a.toLongArray();
  }

  private static Kernel flatten(Node n, long opset) {
    long axisAttr = n.attrLong("axis", 1);
    return (c, in) -> {
      Shape s = in[0].getShape();
      int axis = Shapes.flattenAxis(n, axisAttr, s.dimension());
      return Kernels.one(in[0].reshape(s.slice(0, axis).size(), s.slice(axis).size()));
    };
  }

  private static Kernel reshape(Node n, long opset) {
    long[] attrShape = n.attrLongs("shape", null);
    return (c, in) -> {
      long[] target = opset < 5 ? attrShape : longs(in[1]);
      long[] out = ConstantOps.reshapeDims(n, in[0].getShape().getShape(), target);
      return Kernels.one(in[0].reshape(new Shape(out)));
    };
  }

  private static Kernel transpose(Node n, long opset) {
    long[] permAttr = n.attrLongs("perm", null);
    return (c, in) ->
        Kernels.one(
            in[0].transpose(ConstantOps.permutation(n, permAttr, in[0].getShape().dimension())));
  }

  private static Kernel concat(Node n, long opset) {
    long axisAttr = n.attrLong("axis", 1);
    return (c, in) -> {
      int r = in[0].getShape().dimension();
      int axis = (int) Kernels.normalizeAxis(axisAttr, r, n);
      return Kernels.one(in.length == 1 ? in[0].duplicate() : Kernels.concat(in, axis));
    };
  }

  /**
   * Applies a resolved slice: a strided range per axis; a negative step flips the axis first
   * (element j at {@code start + j step} is at {@code d - 1 - start - j step} of the flipped axis).
   */
  static NDArray slice(NDArray x, ConstantOps.SliceSpec spec) {
    long[] dims = x.getShape().getShape();
    NDArray y = x;
    for (int ax = 0; ax < dims.length; ax++) {
      long s = spec.starts()[ax];
      long step = spec.steps()[ax];
      long count = spec.outDims()[ax];
      if (step == 1 && s == 0 && count == dims[ax]) {
        continue;
      }
      if (step > 0) {
        y =
            y.get(
                new NDIndex()
                    .addAllDim(ax)
                    .addSliceDim(s, Math.min(dims[ax], s + count * step), step));
      } else {
        long fs = dims[ax] - 1 - s;
        y =
            y.flip(ax)
                .get(
                    new NDIndex()
                        .addAllDim(ax)
                        .addSliceDim(fs, Math.min(dims[ax], fs + count * -step), -step));
      }
    }
    return y;
  }

  private static Kernel slice(Node n, long opset) {
    long[] aStarts = n.attrLongs("starts", null);
    long[] aEnds = n.attrLongs("ends", null);
    long[] aAxes = n.attrLongs("axes", null);
    return (c, in) -> {
      long[] starts;
      long[] ends;
      long[] axes;
      long[] steps = null;
      if (opset < 10) {
        starts = aStarts;
        ends = aEnds;
        axes = aAxes;
      } else {
        starts = longs(in[1]);
        ends = longs(in[2]);
        axes = in.length > 3 && in[3] != null ? longs(in[3]) : null;
        steps = in.length > 4 && in[4] != null ? longs(in[4]) : null;
      }
      NDArray y =
          slice(
              in[0],
              ConstantOps.sliceSpec(n, in[0].getShape().getShape(), starts, ends, axes, steps));
      return Kernels.one(y == in[0] ? y.duplicate() : y);
    };
  }

  private static Kernel pad(Node n, long opset) {
    String mode = n.attrString("mode", "constant");
    if (!Arrays.asList("constant", "reflect", "edge", "wrap").contains(mode)) {
      throw new UnsupportedOpException(n.opType(), n.name(), "mode=" + mode);
    }
    long[] aPads = ShapeRules.padsAttribute(n);
    float aValue = n.attrFloat("value", 0f);
    return (c, in) -> {
      NDArray x = in[0];
      int r = x.getShape().dimension();
      long[] pads;
      double value;
      long[] axes = null;
      if (opset < 11) {
        pads = aPads;
        value = aValue;
      } else {
        pads = longs(in[1]);
        value =
            in.length > 2 && in[2] != null && in[2].size() > 0
                ? in[2].toType(DataType.FLOAT64, false).getDouble()
                : 0;
        axes = in.length > 3 && in[3] != null ? longs(in[3]) : null;
      }
      long[][] be = ShapeRules.padsPerAxis(n, pads, axes, x.getShape().getShape());
      long[] begin = be[0];
      long[] end = be[1];
      if (mode.equals("constant")) {
        NDArray y = ConvKernels.padSpatial(x, begin, end, value);
        return Kernels.one(y == x ? x.duplicate() : y);
      }
      NDArray y = x;
      for (int axis = 0; axis < r; axis++) {
        if (begin[axis] == 0 && end[axis] == 0) {
          continue;
        }
        y = padAxis(y, axis, begin[axis], end[axis], mode, n);
      }
      return Kernels.one(y == x ? x.duplicate() : y);
    };
  }

  /** Edge, reflect or wrap padding of one axis by concatenation of slices. */
  private static NDArray padAxis(NDArray x, int axis, long b, long e, String mode, Node n) {
    long d = x.getShape().get(axis);
    if (b < 0 || e < 0) {
      throw new IllegalArgumentException("node " + n.label() + ": negative pads with mode " + mode);
    }
    List<NDArray> parts = new ArrayList<>();
    NDIndex all = new NDIndex().addAllDim(axis);
    switch (mode) {
      case "edge" -> {
        if (b > 0) {
          parts.add(x.get(all.addSliceDim(0, 1)).repeat(axis, b));
        }
        parts.add(x);
        if (e > 0) {
          parts.add(x.get(new NDIndex().addAllDim(axis).addSliceDim(d - 1, d)).repeat(axis, e));
        }
      }
      case "reflect" -> {
        if (b >= d || e >= d) {
          throw new IllegalArgumentException(
              "node "
                  + n.label()
                  + ": reflect pad "
                  + b
                  + "/"
                  + e
                  + " needs axis size > pad, found "
                  + d);
        }
        if (b > 0) {
          parts.add(x.get(all.addSliceDim(1, b + 1)).flip(axis));
        }
        parts.add(x);
        if (e > 0) {
          parts.add(x.get(new NDIndex().addAllDim(axis).addSliceDim(d - 1 - e, d - 1)).flip(axis));
        }
      }
      default -> { // wrap
        if (b > d || e > d) {
          throw new IllegalArgumentException(
              "node " + n.label() + ": wrap pad larger than the axis");
        }
        if (b > 0) {
          parts.add(x.get(all.addSliceDim(d - b, d)));
        }
        parts.add(x);
        if (e > 0) {
          parts.add(x.get(new NDIndex().addAllDim(axis).addSliceDim(0, e)));
        }
      }
    }
    return Kernels.concat(parts.toArray(new NDArray[0]), axis);
  }

  private static Kernel squeeze(Node n, long opset) {
    long[] aAxes = n.attrLongs("axes", null);
    return (c, in) -> {
      long[] axes = opset < 13 ? aAxes : (in.length > 1 && in[1] != null ? longs(in[1]) : null);
      return Kernels.one(
          in[0].reshape(new Shape(ConstantOps.squeezeDims(n, in[0].getShape().getShape(), axes))));
    };
  }

  private static Kernel unsqueeze(Node n, long opset) {
    long[] aAxes = n.attrLongs("axes", null);
    return (c, in) -> {
      long[] axes = opset < 13 ? aAxes : longs(in[1]);
      return Kernels.one(
          in[0].reshape(
              new Shape(ConstantOps.unsqueezeDims(n, in[0].getShape().getShape(), axes))));
    };
  }

  private static Kernel shape(Node n, long opset) {
    return (c, in) -> {
      long[] dims = in[0].getShape().getShape();
      long[] range = ShapeRules.shapeRange(n, dims.length);
      long[] out = Arrays.copyOfRange(dims, (int) range[0], (int) range[1]);
      return Kernels.one(c.manager().create(out, new Shape(out.length)));
    };
  }

  /** Gather along {@code axis}: out shape = data[:axis] + indices.shape + data[axis+1:]. */
  private static Kernel gather(Node n, long opset) {
    long axisAttr = n.attrLong("axis", 0);
    return (c, in) -> {
      NDArray data = in[0];
      NDArray idx = in[1];
      int r = data.getShape().dimension();
      int axis = (int) Kernels.normalizeAxis(axisAttr, r, n);
      if (idx.getDataType() != DataType.INT64) {
        idx = idx.toType(DataType.INT64, false);
      }
      return Kernels.one(data.get(new NDIndex().addAllDim(axis).addIndices("{}", idx)));
    };
  }

  /** Expand: numpy broadcast of x against {@code shape}. */
  static NDArray expand(Node n, NDArray x, long[] shape) {
    return x.broadcast(new Shape(Shapes.broadcast(n, x.getShape().getShape(), shape)));
  }

  /** Split into the sizes of {@code split} (attribute or input 1) or into equal parts. */
  private static Kernel split(Node n, long opset) {
    long axisAttr = n.attrLong("axis", 0);
    long[] attrSplit = n.attrLongs("split", null);
    int outputs = n.outputs().size();
    return (c, in) -> {
      NDArray x = in[0];
      int axis = (int) Kernels.normalizeAxis(axisAttr, x.getShape().dimension(), n);
      long d = x.getShape().get(axis);
      long[] sizes =
          opset < 13 ? attrSplit : (in.length > 1 && in[1] != null ? longs(in[1]) : null);
      if (sizes == null) {
        sizes = new long[outputs];
        long chunk = (d + outputs - 1) / outputs;
        for (int i = 0; i < outputs; i++) {
          sizes[i] = Math.max(0, Math.min(chunk, d - i * chunk));
        }
      }
      NDArray[] out = new NDArray[sizes.length];
      long start = 0;
      for (int i = 0; i < sizes.length; i++) {
        out[i] = x.get(new NDIndex().addAllDim(axis).addSliceDim(start, start + sizes[i]));
        start += sizes[i];
      }
      return out;
    };
  }

  /** Constant: the value of a {@code value*} attribute ({@link ConstantOps#constantValue}). */
  static TensorValue constantValue(Node n) {
    try {
      return ConstantOps.constantValue(n);
    } catch (UnsupportedOperationException e) {
      throw new UnsupportedOpException(
          n.opType(), n.name(), "needs one of value, value_float(s), value_int(s)");
    }
  }

  /**
   * ConstantOfShape: a tensor of the shape given by input 0 filled with {@code value} (default 0f).
   */
  private static Kernel constantOfShape(Node n, long opset) {
    TensorValue v =
        n.hasAttribute("value") ? n.attributes().get("value").asTensor() : TensorValue.scalar(0f);
    return (c, in) -> {
      long[] dims = longs(in[0]);
      NDArray one = Tensors.toNDArray(c.manager(), v).reshape(new Shape());
      return Kernels.one(one.broadcast(new Shape(dims)).duplicate());
    };
  }

  private static Kernel constant(Node n, long opset) {
    TensorValue v = constantValue(n);
    return (c, in) -> Kernels.one(Tensors.toNDArray(c.manager(), v));
  }
}
