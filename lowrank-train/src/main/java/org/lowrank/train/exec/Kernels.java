package org.lowrank.train.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.lowrank.graph.Node;
import org.lowrank.ops.GemmAttributes;

/**
 * Registry of the ops the executor runs: op type to a factory that validates a node's attributes
 * and returns its {@link Kernel}. Element-wise, matrix, activation, reduction and softmax ops live
 * here; convolution and pooling in {@link ConvKernels}, shape manipulation in {@link ShapeKernels},
 * normalization and dropout in {@link NormKernels}.
 */
final class Kernels {

  /**
   * Creates the kernel of one node; throws {@link UnsupportedOpException} for unsupported
   * attributes.
   */
  @FunctionalInterface
  interface Factory {
    Kernel create(Node node, long opset);
  }

  private static final Map<String, Factory> FACTORIES = new TreeMap<>();

  static {
    // element-wise binary ops with numpy broadcasting
    FACTORIES.put("Add", (n, o) -> (c, in) -> one(in[0].add(in[1])));
    FACTORIES.put("Sub", (n, o) -> (c, in) -> one(in[0].sub(in[1])));
    FACTORIES.put("Mul", (n, o) -> (c, in) -> one(in[0].mul(in[1])));
    FACTORIES.put("Div", (n, o) -> (c, in) -> one(divide(in[0], in[1])));
    FACTORIES.put("Pow", (n, o) -> (c, in) -> one(in[0].pow(in[1])));
    FACTORIES.put("Sum", (n, o) -> (c, in) -> one(fold(in, NDArray::add)));
    FACTORIES.put("Max", (n, o) -> (c, in) -> one(fold(in, NDArray::maximum)));
    FACTORIES.put("Min", (n, o) -> (c, in) -> one(fold(in, NDArray::minimum)));
    FACTORIES.put("Mean", (n, o) -> (c, in) -> one(fold(in, NDArray::add).div(in.length)));
    // element-wise unary ops
    unary("Relu", Activation::relu);
    unary("Sigmoid", Activation::sigmoid);
    unary("Tanh", Activation::tanh);
    unary("Neg", NDArray::neg);
    unary("Abs", NDArray::abs);
    unary("Exp", NDArray::exp);
    unary("Log", NDArray::log);
    unary("Sqrt", NDArray::sqrt);
    unary("Erf", NDArray::erf);
    unary("Floor", NDArray::floor);
    unary("Ceil", NDArray::ceil);
    unary("Reciprocal", x -> x.onesLike().div(x));
    unary("Softplus", Activation::softPlus);
    unary("Softsign", Activation::softSign);
    unary("Identity", x -> x);
    FACTORIES.put(
        "LeakyRelu",
        (n, o) -> {
          float alpha = n.attrFloat("alpha", 0.01f);
          return (c, in) -> one(Activation.leakyRelu(in[0], alpha));
        });
    FACTORIES.put(
        "Elu",
        (n, o) -> {
          float alpha = n.attrFloat("alpha", 1f);
          return (c, in) -> one(Activation.elu(in[0], alpha));
        });
    FACTORIES.put(
        "HardSigmoid",
        (n, o) -> {
          float alpha = n.attrFloat("alpha", 0.2f);
          float beta = n.attrFloat("beta", 0.5f);
          return (c, in) -> one(in[0].mul(alpha).add(beta).clip(0f, 1f));
        });
    FACTORIES.put(
        "HardSwish", (n, o) -> (c, in) -> one(in[0].mul(in[0].div(6f).add(0.5f).clip(0f, 1f))));
    FACTORIES.put("Clip", Kernels::clip);
    FACTORIES.put("Gemm", Kernels::gemm);
    FACTORIES.put("MatMul", (n, o) -> (c, in) -> one(in[0].matMul(in[1])));
    FACTORIES.put("Softmax", (n, o) -> softmax(n, o, false));
    FACTORIES.put("LogSoftmax", (n, o) -> softmax(n, o, true));
    FACTORIES.put("ReduceMean", (n, o) -> reduce(n, o >= 18, Kernels::mean));
    FACTORIES.put("ReduceSum", (n, o) -> reduce(n, o >= 13, NDArray::sum));
    FACTORIES.put(
        "ReduceMax", (n, o) -> reduce(n, o >= 18, (x, a, k) -> successive(x, a, k, NDArray::max)));
    FACTORIES.put(
        "ReduceMin", (n, o) -> reduce(n, o >= 18, (x, a, k) -> successive(x, a, k, NDArray::min)));
    FACTORIES.put("Cast", Kernels::cast);
    FACTORIES.put(
        "PRelu", (n, o) -> (c, in) -> one(in[0].maximum(0f).add(in[1].mul(in[0].minimum(0f)))));
    FACTORIES.put("Equal", (n, o) -> (c, in) -> one(in[0].eq(in[1])));
    FACTORIES.put("Greater", (n, o) -> (c, in) -> one(in[0].gt(in[1])));
    FACTORIES.put("Less", (n, o) -> (c, in) -> one(in[0].lt(in[1])));
    FACTORIES.put("GreaterOrEqual", (n, o) -> (c, in) -> one(in[0].gte(in[1])));
    FACTORIES.put("LessOrEqual", (n, o) -> (c, in) -> one(in[0].lte(in[1])));
    FACTORIES.put("Not", (n, o) -> (c, in) -> one(in[0].logicalNot()));
    FACTORIES.put("And", (n, o) -> (c, in) -> one(in[0].logicalAnd(in[1])));
    FACTORIES.put("Or", (n, o) -> (c, in) -> one(in[0].logicalOr(in[1])));
    FACTORIES.put("Xor", (n, o) -> (c, in) -> one(in[0].logicalXor(in[1])));
    FACTORIES.put(
        "Where", (n, o) -> (c, in) -> one(in[1].getNDArrayInternal().where(in[0], in[2])));
    ConvKernels.register(FACTORIES);
    ShapeKernels.register(FACTORIES);
    NormKernels.register(FACTORIES);
  }

  private Kernels() {}

  /** The op types the executor supports, sorted. */
  static Set<String> supportedOps() {
    return new TreeSet<>(FACTORIES.keySet());
  }

  static boolean isSupported(String opType) {
    return FACTORIES.containsKey(opType);
  }

  /** Compiles one node (default ONNX domain only). */
  static Kernel compile(Node node, long opset) {
    if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
      throw new UnsupportedOpException(
          node.opType(), node.name(), "custom domain '" + node.domain() + "' is not supported");
    }
    Factory f = FACTORIES.get(node.opType());
    if (f == null) {
      throw new UnsupportedOpException(node.opType(), node.name(), "no kernel for this op type");
    }
    return f.create(node, opset);
  }

  static NDArray[] one(NDArray a) {
    return new NDArray[] {a};
  }

  private static void unary(String op, UnaryOperator<NDArray> f) {
    FACTORIES.put(op, (n, o) -> (c, in) -> one(f.apply(in[0])));
  }

  private interface Binary {
    NDArray apply(NDArray a, NDArray b);
  }

  private static NDArray fold(NDArray[] in, Binary f) {
    NDArray acc = in[0];
    for (int i = 1; i < in.length; i++) {
      acc = f.apply(acc, in[i]);
    }
    return in.length == 1 ? acc.duplicate() : acc;
  }

  /** ONNX Div: true division for floats, truncation toward zero for integers. */
  private static NDArray divide(NDArray a, NDArray b) {
    if (a.getDataType().isInteger() && b.getDataType().isInteger()) {
      return a.toType(DataType.FLOAT64, false)
          .div(b.toType(DataType.FLOAT64, false))
          .trunc()
          .toType(a.getDataType(), false);
    }
    return a.div(b);
  }

  /** Clip: bounds from attributes (opset < 11) or optional inputs 1 and 2. */
  private static Kernel clip(Node n, long opset) {
    if (opset < 11) {
      float lo = n.attrFloat("min", -Float.MAX_VALUE);
      float hi = n.attrFloat("max", Float.MAX_VALUE);
      return (c, in) -> one(in[0].clip(lo, hi));
    }
    return (c, in) -> {
      NDArray x = in[0];
      NDArray lo = in.length > 1 ? in[1] : null;
      NDArray hi = in.length > 2 ? in[2] : null;
      NDArray y = x;
      if (lo != null) {
        y = y.maximum(lo.getFloat());
      }
      if (hi != null) {
        y = y.minimum(hi.getFloat());
      }
      return one(y == x ? x.duplicate() : y);
    };
  }

  /** Gemm: Y = alpha * op(A) op(B) + beta * C, op = optional transpose. */
  private static Kernel gemm(Node n, long opset) {
    GemmAttributes g = GemmAttributes.of(n);
    boolean transA = g.transA();
    boolean transB = g.transB();
    float alpha = g.alpha();
    float beta = g.beta();
    return (c, in) -> {
      NDArray a = in[0];
      NDArray b = in[1];
      NDArray bias = in.length > 2 ? in[2] : null;
      if (!transA
          && transB
          && alpha == 1f
          && beta == 1f
          && bias != null
          && bias.getShape().dimension() == 1
          && bias.getShape().get(0) == b.getShape().get(0)) {
        // fused x W^T + b, the usual fully connected layer
        return one(a.getNDArrayInternal().linear(a, b, bias).singletonOrThrow());
      }
      NDArray y = (transA ? a.transpose() : a).matMul(transB ? b.transpose() : b);
      if (alpha != 1f) {
        y = y.mul(alpha);
      }
      if (bias != null && beta != 0f) {
        y = y.add(beta == 1f ? bias : bias.mul(beta));
      }
      return one(y);
    };
  }

  /** Softmax / LogSoftmax; before opset 13 the input is coerced to 2-D at {@code axis}. */
  private static Kernel softmax(Node n, long opset, boolean log) {
    long axisAttr = n.attrLong("axis", opset < 13 ? 1 : -1);
    return (c, in) -> {
      NDArray x = in[0];
      Shape s = x.getShape();
      int axis = (int) normalizeAxis(axisAttr, s.dimension(), n);
      if (opset < 13) {
        NDArray x2 = x.reshape(s.slice(0, axis).size(), s.slice(axis).size());
        NDArray y = log ? x2.logSoftmax(1) : x2.softmax(1);
        return one(y.reshape(s));
      }
      return one(log ? x.logSoftmax(axis) : x.softmax(axis));
    };
  }

  interface Reduction {
    NDArray apply(NDArray x, int[] axes, boolean keepDims);
  }

  /** Mean over several axes (the engine's mean takes one axis): sum / count. */
  static NDArray mean(NDArray x, int[] axes, boolean keepDims) {
    long count = 1;
    for (int a : axes) {
      count *= x.getShape().get(a);
    }
    return x.sum(axes, keepDims).div(count);
  }

  /** A one-axis reduction applied axis by axis (last axis first, so indices stay valid). */
  static NDArray successive(NDArray x, int[] axes, boolean keepDims, Reduction oneAxis) {
    int[] sorted = axes.clone();
    java.util.Arrays.sort(sorted);
    NDArray y = x;
    for (int i = sorted.length - 1; i >= 0; i--) {
      y = oneAxis.apply(y, new int[] {sorted[i]}, keepDims);
    }
    return y;
  }

  /** ReduceX with axes from the attribute or (newer opsets) the optional second input. */
  private static Kernel reduce(Node n, boolean axesAsInput, Reduction r) {
    boolean keep = n.attrLong("keepdims", 1) != 0;
    boolean noopEmpty = n.attrLong("noop_with_empty_axes", 0) != 0;
    long[] attrAxes = n.attrLongs("axes", null);
    return (c, in) -> {
      NDArray x = in[0];
      long[] axes =
          axesAsInput ? (in.length > 1 && in[1] != null ? in[1].toLongArray() : null) : attrAxes;
      int rank = x.getShape().dimension();
      if (axes == null || axes.length == 0) {
        if (noopEmpty) {
          return one(x.duplicate());
        }
        axes = new long[rank];
        for (int i = 0; i < rank; i++) {
          axes[i] = i;
        }
      }
      int[] ax = new int[axes.length];
      for (int i = 0; i < ax.length; i++) {
        ax[i] = (int) normalizeAxis(axes[i], rank, n);
      }
      if (rank == 0) {
        return one(x.duplicate());
      }
      return one(r.apply(x, ax, keep));
    };
  }

  private static Kernel cast(Node n, long opset) {
    DataType to = Tensors.djlType(org.lowrank.graph.DataType.fromOnnx((int) n.attrLong("to", 1)));
    if (to == null) {
      throw new UnsupportedOpException(n.opType(), n.name(), "cast target type not supported");
    }
    return (c, in) -> one(in[0].toType(to, true));
  }

  /** Maps a possibly negative axis into [0, rank). */
  static long normalizeAxis(long axis, int rank, Node n) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= Math.max(rank, 1)) {
      throw new IllegalArgumentException(
          "node " + n.label() + ": axis " + axis + " out of range for rank " + rank);
    }
    return a;
  }

  /** Concatenates along an axis, all arrays owned by the first one's manager. */
  static NDArray concat(NDArray[] arrays, int axis) {
    return NDArrays.concat(new NDList(arrays), axis);
  }
}
