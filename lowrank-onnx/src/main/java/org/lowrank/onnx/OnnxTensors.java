package org.lowrank.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.lowrank.graph.DataType;
import org.lowrank.graph.TensorValue;
import org.lowrank.util.AtomicFiles;

/**
 * Conversion between ONNX {@code TensorProto} and {@link TensorValue}, and reading/writing a single
 * serialized TensorProto file (the {@code .pb} files of an ONNX {@code test_data_set_N} folder).
 *
 * <p>Reading accepts {@code raw_data} (little-endian) and the typed fields ({@code float_data},
 * {@code int32_data}, {@code int64_data}, {@code double_data}, {@code uint64_data}); FLOAT16 and
 * BFLOAT16 become float (exactly), DOUBLE keeps double precision, the declared type is kept. The
 * declared element count is checked against the data actually present before anything is allocated.
 * Writing always uses {@code raw_data} in the declared type.
 */
public final class OnnxTensors {
  /** Largest element count a {@link TensorValue} can hold (a Java array). */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private OnnxTensors() {}

  /** Reads a serialized TensorProto file. */
  public static TensorValue read(Path file) throws IOException {
    return parse(readBounded(file), file.toString());
  }

  /** Reads a serialized TensorProto file and also returns the tensor's name (may be empty). */
  public static NamedTensor readNamed(Path file) throws IOException {
    String source = file.toString();
    TensorProto p = parseProto(readBounded(file), source);
    return new NamedTensor(p.getName(), fromProto(p, source, "tensor"));
  }

  /** Parses a serialized TensorProto; {@code source} labels error messages. */
  public static TensorValue parse(byte[] bytes, String source) throws OnnxFormatException {
    return fromProto(parseProto(bytes, source), source, "tensor");
  }

  /** Serializes a tensor as a TensorProto with the given name (may be empty). */
  public static byte[] toBytes(TensorValue t, String name) {
    return toProto(t, name).toByteArray();
  }

  /** Writes a tensor as a serialized TensorProto file, atomically (temp file + rename). */
  public static void write(TensorValue t, String name, Path file) throws IOException {
    AtomicFiles.write(file, toBytes(t, name));
  }

  /** A tensor with the name stored in its file. */
  public record NamedTensor(String name, TensorValue value) {}

  static byte[] readBounded(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new OnnxFormatException(file.toString(), "no such file (or not a regular file)");
    }
    try {
      long size = Files.size(file);
      if (size > Integer.MAX_VALUE - 8) {
        throw new OnnxUnsupportedException(
            file.toString(),
            "file is "
                + size
                + " bytes; protobuf files are limited to 2 GiB, larger models must use"
                + " external data, which lowrank does not read");
      }
      return Files.readAllBytes(file);
    } catch (OnnxFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new OnnxFormatException(file.toString(), "cannot read the file (" + e + ")", e);
    }
  }

  private static TensorProto parseProto(byte[] bytes, String source) throws OnnxFormatException {
    try {
      return TensorProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new OnnxFormatException(
          source,
          "not a valid serialized ONNX TensorProto (" + e.getMessage() + "); truncated or corrupt?",
          e);
    }
  }

  /**
   * Converts a TensorProto to a TensorValue.
   *
   * @param source file label for error messages
   * @param what what the tensor is, for error messages, e.g. "initializer 'conv1.weight'"
   */
  public static TensorValue fromProto(TensorProto p, String source, String what)
      throws OnnxFormatException {
    if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL || p.getExternalDataCount() > 0) {
      String location =
          p.getExternalDataList().stream()
              .filter(e -> e.getKey().equals("location"))
              .map(e -> e.getValue())
              .findFirst()
              .orElse("?");
      throw new OnnxUnsupportedException(
          source,
          what
              + " stores its data in an external file (location="
              + location
              + "); lowrank reads"
              + " self-contained models only: re-save it with all tensors inside the .onnx file"
              + " (onnx.save_model(model, path, save_as_external_data=False))");
    }
    if (p.hasSegment()) {
      throw new OnnxUnsupportedException(
          source, what + " is a segment of a larger tensor; not supported");
    }
    DataType type = dataType(p.getDataType(), source, what);
    long[] dims = new long[p.getDimsCount()];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      dims[i] = p.getDims(i);
      if (dims[i] < 0) {
        throw new OnnxFormatException(
            source, what + " has negative dimension " + dims[i] + " in " + p.getDimsList());
      }
      try {
        count = Math.multiplyExact(count, dims[i]);
      } catch (ArithmeticException e) {
        throw new OnnxFormatException(
            source, what + " declares dimensions " + p.getDimsList() + " whose product overflows");
      }
    }
    if (count > MAX_ELEMENTS) {
      throw new OnnxFormatException(
          source,
          what
              + " declares "
              + count
              + " elements "
              + p.getDimsList()
              + ", more than "
              + MAX_ELEMENTS
              + " (and more than the file holds)");
    }
    int n = (int) count;
    if (p.hasRawData()) {
      ByteString raw = p.getRawData();
      long expected = count * type.byteSize();
      if (raw.size() != expected) {
        throw new OnnxFormatException(
            source,
            what
                + " of type "
                + type
                + " and shape "
                + Arrays.toString(dims)
                + " needs "
                + expected
                + " bytes of raw_data, found "
                + raw.size());
      }
      return fromRaw(type, dims, n, raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }
    return fromTyped(p, type, dims, n, source, what);
  }

  private static DataType dataType(int code, String source, String what)
      throws OnnxFormatException {
    DataType type;
    try {
      type = DataType.fromOnnx(code);
    } catch (IllegalArgumentException e) {
      TensorProto.DataType t = TensorProto.DataType.forNumber(code);
      throw new OnnxUnsupportedException(
          source,
          what
              + " has element type "
              + (t == null ? "#" + code : t.name())
              + ", which lowrank does not support");
    }
    if (type == DataType.UNDEFINED) {
      throw new OnnxFormatException(source, what + " has no data_type (UNDEFINED)");
    }
    if (type == DataType.STRING) {
      throw new OnnxUnsupportedException(source, what + " is a STRING tensor; not supported");
    }
    return type;
  }

  private static TensorValue fromRaw(DataType type, long[] dims, int n, ByteBuffer b) {
    if (type == DataType.DOUBLE) {
      double[] d = new double[n];
      b.asDoubleBuffer().get(d);
      return TensorValue.ofDoubles(dims, d);
    }
    if (type.isFloatingPoint()) {
      float[] f = new float[n];
      switch (type) {
        case FLOAT -> b.asFloatBuffer().get(f);
        case FLOAT16 -> {
          for (int i = 0; i < n; i++) {
            f[i] = HalfFloats.halfToFloat(b.getShort() & 0xffff);
          }
        }
        case BFLOAT16 -> {
          for (int i = 0; i < n; i++) {
            f[i] = HalfFloats.bfloat16ToFloat(b.getShort() & 0xffff);
          }
        }
        default -> throw new IllegalStateException(type.toString());
      }
      return TensorValue.ofFloats(type, dims, f);
    }
    long[] l = new long[n];
    for (int i = 0; i < n; i++) {
      l[i] =
          switch (type) {
            case INT8 -> b.get();
            case UINT8 -> b.get() & 0xffL;
            case BOOL -> b.get() != 0 ? 1 : 0;
            case INT16 -> b.getShort();
            case UINT16 -> b.getShort() & 0xffffL;
            case INT32 -> b.getInt();
            case UINT32 -> b.getInt() & 0xffffffffL;
            case INT64, UINT64 -> b.getLong();
            default -> throw new IllegalStateException(type.toString());
          };
    }
    return TensorValue.ofLongs(type, dims, l);
  }

  private static TensorValue fromTyped(
      TensorProto p, DataType type, long[] dims, int n, String source, String what)
      throws OnnxFormatException {
    String field;
    int have;
    switch (type) {
      case FLOAT -> {
        field = "float_data";
        have = p.getFloatDataCount();
      }
      case DOUBLE -> {
        field = "double_data";
        have = p.getDoubleDataCount();
      }
      case INT64 -> {
        field = "int64_data";
        have = p.getInt64DataCount();
      }
      case UINT32, UINT64 -> {
        field = "uint64_data";
        have = p.getUint64DataCount();
      }
      default -> {
        field = "int32_data";
        have = p.getInt32DataCount();
      }
    }
    if (have != n) {
      throw new OnnxFormatException(
          source,
          what
              + " of type "
              + type
              + " and shape "
              + Arrays.toString(dims)
              + " needs "
              + n
              + " values, found "
              + have
              + " in "
              + field
              + " and no raw_data");
    }
    if (type == DataType.DOUBLE) {
      double[] d = new double[n];
      for (int i = 0; i < n; i++) {
        d[i] = p.getDoubleData(i);
      }
      return TensorValue.ofDoubles(dims, d);
    }
    if (type.isFloatingPoint()) {
      float[] f = new float[n];
      for (int i = 0; i < n; i++) {
        f[i] =
            switch (type) {
              case FLOAT -> p.getFloatData(i);
              case FLOAT16 -> HalfFloats.halfToFloat(p.getInt32Data(i) & 0xffff);
              case BFLOAT16 -> HalfFloats.bfloat16ToFloat(p.getInt32Data(i) & 0xffff);
              default -> throw new IllegalStateException(type.toString());
            };
      }
      return TensorValue.ofFloats(type, dims, f);
    }
    long[] l = new long[n];
    for (int i = 0; i < n; i++) {
      l[i] =
          switch (type) {
            case INT64 -> p.getInt64Data(i);
            case UINT32 -> p.getUint64Data(i) & 0xffffffffL;
            case UINT64 -> p.getUint64Data(i);
            case UINT8 -> p.getInt32Data(i) & 0xffL;
            case UINT16 -> p.getInt32Data(i) & 0xffffL;
            case INT8 -> (byte) p.getInt32Data(i);
            case INT16 -> (short) p.getInt32Data(i);
            case BOOL -> p.getInt32Data(i) != 0 ? 1 : 0;
            default -> p.getInt32Data(i);
          };
    }
    return TensorValue.ofLongs(type, dims, l);
  }

  /** Converts a TensorValue to a TensorProto with {@code raw_data} in the declared element type. */
  public static TensorProto toProto(TensorValue t, String name) {
    DataType type = t.dataType();
    int n = (int) t.elementCount();
    ByteBuffer b =
        ByteBuffer.allocate(Math.multiplyExact(n, type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    if (type == DataType.DOUBLE) {
      b.asDoubleBuffer().put(t.toDoubleArray());
    } else if (t.isFloatingPoint()) {
      float[] f = t.toFloatArray();
      switch (type) {
        case FLOAT -> b.asFloatBuffer().put(f);
        case FLOAT16 -> {
          for (float v : f) {
            b.putShort((short) HalfFloats.floatToHalf(v));
          }
        }
        case BFLOAT16 -> {
          for (float v : f) {
            b.putShort((short) HalfFloats.floatToBfloat16(v));
          }
        }
        default -> throw new IllegalStateException(type.toString());
      }
    } else {
      long[] l = t.toLongArray();
      for (long v : l) {
        switch (type) {
          case INT8, UINT8 -> b.put((byte) v);
          case BOOL -> b.put((byte) (v != 0 ? 1 : 0));
          case INT16, UINT16 -> b.putShort((short) v);
          case INT32, UINT32 -> b.putInt((int) v);
          case INT64, UINT64 -> b.putLong(v);
          default -> throw new IllegalStateException(type.toString());
        }
      }
    }
    TensorProto.Builder pb = TensorProto.newBuilder().setDataType(type.onnxCode());
    for (long d : t.dims()) {
      pb.addDims(d);
    }
    if (name != null && !name.isEmpty()) {
      pb.setName(name);
    }
    return pb.setRawData(ByteString.copyFrom(b.array())).build();
  }
}
