package org.lowrank.train.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import org.lowrank.graph.Node;

/** BatchNormalization and Dropout: the ops whose behaviour depends on train / eval mode. */
final class NormKernels {
  private NormKernels() {}

  static void register(Map<String, Kernels.Factory> f) {
    f.put("BatchNormalization", NormKernels::batchNorm);
    f.put("Dropout", NormKernels::dropout);
    f.put("InstanceNormalization", NormKernels::instanceNorm);
    f.put("LayerNormalization", NormKernels::layerNorm);
  }

  /**
   * BatchNormalization. Eval: y = scale (x - mean) / sqrt(var + eps) + B with the running
   * statistics. Train (executor in training mode, or {@code training_mode = 1}): batch statistics
   * over all axes but 1, and running = momentum * running + (1 - momentum) * batch statistic (the
   * biased batch variance, as in the ONNX reference); in executor training mode the running
   * statistics held as executor state are replaced by the new ones.
   */
  private static Kernel batchNorm(Node n, long opset) {
    float eps = n.attrFloat("epsilon", 1e-5f);
    float momentum = n.attrFloat("momentum", 0.9f);
    boolean nodeTraining = n.attrLong("training_mode", 0) != 0;
    if (n.attrLong("spatial", 1) != 1) {
      throw new UnsupportedOpException(n.opType(), n.name(), "spatial=0");
    }
    String meanName = n.input(3);
    String varName = n.input(4);
    return (c, in) -> {
      NDArray x = in[0];
      NDArray scale = in[1];
      NDArray bias = in[2];
      NDArray mean = in[3];
      NDArray var = in[4];
      NDArray[] out = new NDArray[n.outputs().size()];
      if (!(c.training() || nodeTraining)) {
        out[0] = bn(x, mean, var, scale, bias, momentum, eps, false);
        return out;
      }
      NDArray m = mean.duplicate();
      NDArray v = var.duplicate();
      // torch updates m and v in place: m' = momentum m + (1 - momentum) batchMean, v' likewise
      // with the unbiased batch variance, corrected below to the biased one
      out[0] = bn(x, m, v, scale, bias, momentum, eps, true);
      long count = x.size() / x.getShape().get(1);
      NDArray momVar = var.mul(momentum);
      NDArray newVar = count > 1 ? v.sub(momVar).mul((count - 1) / (double) count).add(momVar) : v;
      if (out.length > 1) {
        out[1] = m;
      }
      if (out.length > 2) {
        out[2] = newVar;
      }
      if (c.training()) {
        if (c.isState(meanName)) {
          c.updateState(meanName, m);
        }
        if (c.isState(varName)) {
          c.updateState(varName, newVar);
        }
      }
      return out;
    };
  }

  private static NDArray bn(
      NDArray x,
      NDArray mean,
      NDArray var,
      NDArray scale,
      NDArray bias,
      float momentum,
      float eps,
      boolean training) {
    NDList r =
        x.getNDArrayInternal().batchNorm(x, mean, var, scale, bias, -1, momentum, eps, training);
    return r.singletonOrThrow();
  }

  /**
   * y = scale (x - mean) / sqrt(var + eps) + B, statistics over the spatial axes of each (n, c).
   */
  private static Kernel instanceNorm(Node n, long opset) {
    float eps = n.attrFloat("epsilon", 1e-5f);
    return (c, in) -> {
      NDArray x = in[0];
      int r = x.getShape().dimension();
      int[] axes = ConvKernels.spatialAxes(x);
      long[] bshape = new long[r];
      java.util.Arrays.fill(bshape, 1);
      bshape[1] = x.getShape().get(1);
      NDArray[] st = normalize(x, axes, eps);
      return Kernels.one(st[0].mul(in[1].reshape(bshape)).add(in[2].reshape(bshape)));
    };
  }

  /** LayerNormalization over the axes from {@code axis} to the last; outputs Y, Mean, InvStdDev. */
  private static Kernel layerNorm(Node n, long opset) {
    float eps = n.attrFloat("epsilon", 1e-5f);
    long axisAttr = n.attrLong("axis", -1);
    return (c, in) -> {
      NDArray x = in[0];
      int r = x.getShape().dimension();
      int axis = (int) Kernels.normalizeAxis(axisAttr, r, n);
      int[] axes = new int[r - axis];
      for (int i = axis; i < r; i++) {
        axes[i - axis] = i;
      }
      NDArray[] st = normalize(x, axes, eps);
      NDArray y = st[0].mul(in[1]);
      if (in.length > 2 && in[2] != null) {
        y = y.add(in[2]);
      }
      NDArray[] out = new NDArray[n.outputs().size()];
      out[0] = y;
      if (out.length > 1) {
        out[1] = st[1];
      }
      if (out.length > 2) {
        out[2] = st[2];
      }
      return out;
    };
  }

  /** (x - mean) / sqrt(var + eps), mean, 1 / sqrt(var + eps) over {@code axes} (kept as size 1). */
  private static NDArray[] normalize(NDArray x, int[] axes, float eps) {
    NDArray mean = Kernels.mean(x, axes, true);
    NDArray centered = x.sub(mean);
    NDArray std = Kernels.mean(centered.square(), axes, true).add(eps).sqrt();
    NDArray inv = std.onesLike().div(std);
    return new NDArray[] {centered.mul(inv), mean, inv};
  }

  /** Dropout: ratio from the attribute (opset < 12) or input 1; active in training mode. */
  private static Kernel dropout(Node n, long opset) {
    float attrRatio = n.attrFloat("ratio", 0.5f);
    return (c, in) -> {
      NDArray x = in[0];
      float ratio =
          opset < 12
              ? attrRatio
              : (in.length > 1 && in[1] != null
                  ? in[1].toType(DataType.FLOAT32, false).getFloat()
                  : 0.5f);
      boolean nodeTraining =
          opset >= 12
              && in.length > 2
              && in[2] != null
              && in[2].toType(DataType.INT64, false).getLong() != 0;
      boolean active = (c.training() || nodeTraining) && ratio > 0;
      NDArray[] out = new NDArray[n.outputs().size()];
      out[0] =
          active
              ? x.getNDArrayInternal().dropout(x, ratio, true).singletonOrThrow()
              : x.duplicate();
      if (out.length > 1) {
        out[1] = active ? out[0].neq(0) : c.manager().ones(x.getShape(), DataType.BOOLEAN);
      }
      return out;
    };
  }
}
