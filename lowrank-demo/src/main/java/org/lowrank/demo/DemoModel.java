package org.lowrank.demo;

import java.util.function.LongFunction;
import org.lowrank.graph.Model;

/**
 * The models {@link DemoAssets} can train and cache, each with its architecture, cache file name
 * and training recipe (epochs of {@link DemoTrainer}'s defaults otherwise).
 */
public enum DemoModel {
  /** {@link DemoModels#fashionCnn}: the demo model, 3 epochs. */
  FASHION_CNN("fashion-cnn-v1.onnx", DemoModels::fashionCnn, 3),
  /** {@link DemoModels#vggStyle}: large dense layers (issue 7, experiment 2), 2 epochs. */
  VGG_STYLE("vgg-style-v1.onnx", DemoModels::vggStyle, 2);

  private final String fileName;
  private final LongFunction<Model> factory;
  private final int epochs;

  DemoModel(String fileName, LongFunction<Model> factory, int epochs) {
    this.fileName = fileName;
    this.factory = factory;
    this.epochs = epochs;
  }

  /** File name in the cache folder; the version changes with the architecture or the recipe. */
  public String fileName() {
    return fileName;
  }

  /** The untrained model with weights drawn from {@code seed}. */
  public Model build(long seed) {
    return factory.apply(seed);
  }

  /** Training epochs of the cached model. */
  public int epochs() {
    return epochs;
  }
}
