package org.lowrank.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.lowrank.tensor.DenseTensor;

/**
 * The benchmark's weight format: {@code name.json} = {"shape": [d0, d1, ...], "dtype": "float32"}
 * beside {@code name.bin} = prod(shape) little-endian IEEE float32 values in row-major (C) order.
 * numpy writes it with {@code w.astype('<f4').tofile('name.bin')}.
 */
public final class WeightFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WeightFile() {}

  /** Reads the tensor described by a {@code .json} header (the {@code .bin} sits beside it). */
  public static DenseTensor read(Path header) throws IOException {
    JsonNode root = JSON.readTree(header.toFile());
    JsonNode shapeNode = root.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new IOException(
          header + ": missing \"shape\" array, expected {\"shape\": [..], \"dtype\": \"float32\"}");
    }
    String dtype = root.has("dtype") ? root.get("dtype").asText() : "float32";
    if (!dtype.equals("float32")) {
      throw new IOException(header + ": dtype " + dtype + " not supported, expected float32");
    }
    int[] shape = new int[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asInt();
    }
    Path bin = binaryBeside(header);
    byte[] bytes = Files.readAllBytes(bin);
    long expected = 4L * DenseTensor.sizeOf(shape);
    if (bytes.length != expected) {
      throw new IOException(
          bin
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + expected
              + " bytes of float32, found "
              + bytes.length);
    }
    float[] f = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return DenseTensor.fromFloats(f, shape);
  }

  /** Writes {@code name.json} and {@code name.bin} (float32). */
  public static void write(Path header, DenseTensor t) throws IOException {
    float[] f = t.toFloats();
    ByteBuffer buf = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(f);
    Files.write(binaryBeside(header), buf.array());
    var node = JSON.createObjectNode();
    var shape = node.putArray("shape");
    for (int d : t.shape()) {
      shape.add(d);
    }
    node.put("dtype", "float32");
    Files.writeString(header, JSON.writeValueAsString(node) + "\n");
  }

  private static Path binaryBeside(Path header) {
    String name = header.getFileName().toString();
    String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    return header.resolveSibling(stem + ".bin");
  }
}
