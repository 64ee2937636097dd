package org.lowrank.demo;

import java.nio.file.Path;
import java.util.Objects;
import org.lowrank.graph.Model;

/**
 * A trained demo model and where it is cached.
 *
 * @param file the cached ONNX file (pass it to the compression pipeline)
 * @param model the model as read from or written to {@code file}
 * @param training the training run when the model was trained by this call, null when it came from
 *     the cache
 */
public record DemoAsset(Path file, Model model, DemoTrainingResult training) {

  public DemoAsset {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(model, "model");
  }

  /** True when this call trained the model (cache miss or unusable cache file). */
  public boolean trained() {
    return training != null;
  }
}
