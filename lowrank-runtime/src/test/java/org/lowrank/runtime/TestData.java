package org.lowrank.runtime;

import java.io.IOException;
import java.nio.file.Path;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxTensors;

/** Locates the shared data directory and reads reference tensors (test helpers). */
final class TestData {
  private TestData() {}

  /** {@code LOWRANK_SHARED_DATA} (property or env) or ../../shared/data from the module dir. */
  static Path sharedData() {
    String p = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    return p != null ? Path.of(p) : Path.of("..", "..", "shared", "data");
  }

  static Path modelDir(String name) {
    return sharedData().resolve("models").resolve(name);
  }

  /** A serialized TensorProto file, read by the ONNX module. */
  static TensorValue readTensor(Path pb) throws IOException {
    return OnnxTensors.read(pb);
  }
}
