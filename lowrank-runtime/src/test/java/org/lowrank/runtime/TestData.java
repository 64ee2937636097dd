package org.lowrank.runtime;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank.graph.TensorValue;

/** Locates the shared data directory and reads serialized TensorProto files (test helpers). */
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

  /** A float TensorProto (raw_data little-endian or float_data). */
  static TensorValue readTensor(Path pb) throws IOException {
    OnnxMl.TensorProto t = OnnxMl.TensorProto.parseFrom(Files.readAllBytes(pb));
    if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
      throw new IOException(pb + ": expected a FLOAT tensor, found data type " + t.getDataType());
    }
    long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    float[] data;
    if (!t.getRawData().isEmpty()) {
      ByteBuffer bb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      data = new float[bb.remaining() / 4];
      bb.asFloatBuffer().get(data);
    } else {
      data = new float[t.getFloatDataCount()];
      for (int i = 0; i < data.length; i++) {
        data[i] = t.getFloatData(i);
      }
    }
    return TensorValue.ofFloats(dims, data);
  }
}
