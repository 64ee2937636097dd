package org.lowrank.train.eval;

import java.util.Arrays;
import org.lowrank.graph.ValueInfo;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.exec.GraphExecutor;

/** Checks that a model and a dataset fit together before a long run starts. */
public final class ModelInputs {
  private ModelInputs() {}

  /** The model must have exactly one runtime input. */
  public static ValueInfo requireSingleInput(GraphExecutor executor) {
    if (executor.inputs().size() != 1) {
      throw new IllegalArgumentException(
          "model '"
              + executor.model().graph().name()
              + "' has "
              + executor.inputs().size()
              + " inputs "
              + executor.inputNames()
              + "; image classification needs exactly one");
    }
    return executor.inputs().get(0);
  }

  /**
   * The model input must be [N, C, H, W] with C, H, W matching the dataset where the model declares
   * them, and the last dimension of its first output (the number of classes) must be the dataset's
   * number of classes where both are known ({@link Datasets#requireClassCount}).
   */
  public static void check(GraphExecutor executor, ImageDataset dataset) {
    ValueInfo in = requireSingleInput(executor);
    long[] out = executor.model().graph().outputs().get(0).dims();
    if (out != null && out.length > 0 && out[out.length - 1] > 0) {
      Datasets.requireClassCount(dataset, out[out.length - 1]);
    }
    long[] dims = in.dims();
    if (dims == null) {
      return;
    }
    long[] want = {dataset.channels(), dataset.height(), dataset.width()};
    boolean ok = dims.length == 4;
    for (int i = 1; ok && i < 4; i++) {
      ok = dims[i] < 0 || dims[i] == want[i - 1];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "model input '"
              + in.name()
              + "' has shape "
              + in.shape()
              + " but dataset "
              + dataset.description()
              + " yields images of "
              + Arrays.toString(want)
              + " (C, H, W); resize the images (optResize) or choose the channels (optChannels)");
    }
  }
}
