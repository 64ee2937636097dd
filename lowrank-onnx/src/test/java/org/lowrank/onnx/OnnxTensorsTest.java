package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.TensorValue;

class OnnxTensorsTest {

  private static TensorProto.Builder proto(TensorProto.DataType t, long... dims) {
    TensorProto.Builder b = TensorProto.newBuilder().setDataType(t.getNumber()).setName("t");
    for (long d : dims) {
      b.addDims(d);
    }
    return b;
  }

  @Test
  void typedFieldsAreRead() throws Exception {
    TensorValue f =
        OnnxTensors.fromProto(
            proto(TensorProto.DataType.FLOAT, 2).addAllFloatData(List.of(1f, -2f)).build(),
            "s",
            "t");
    assertArrayEquals(new float[] {1f, -2f}, f.toFloatArray());
    TensorValue d =
        OnnxTensors.fromProto(
            proto(TensorProto.DataType.DOUBLE, 1).addDoubleData(0.1).build(), "s", "t");
    assertEquals(DataType.DOUBLE, d.dataType());
    assertEquals(0.1, d.doubleAt(0)); // full double precision, not 0.1f
    TestModels.assertSameTensor(d, OnnxTensors.parse(OnnxTensors.toBytes(d, "d"), "mem"), "double");
    TensorValue l =
        OnnxTensors.fromProto(
            proto(TensorProto.DataType.INT64, 2).addInt64Data(-1).addInt64Data(1L << 40).build(),
            "s",
            "t");
    assertArrayEquals(new long[] {-1, 1L << 40}, l.toLongArray());
    TensorValue i =
        OnnxTensors.fromProto(
            proto(TensorProto.DataType.INT32, 1, 2).addInt32Data(5).addInt32Data(-6).build(),
            "s",
            "t");
    assertArrayEquals(new long[] {5, -6}, i.toLongArray());
    // FLOAT16 bits live in int32_data: 0x3c00 = 1.0, 0xc000 = -2.0, 0x7bff = 65504
    TensorValue h =
        OnnxTensors.fromProto(
            proto(TensorProto.DataType.FLOAT16, 3)
                .addAllInt32Data(List.of(0x3c00, 0xc000, 0x7bff))
                .build(),
            "s",
            "t");
    assertArrayEquals(new float[] {1f, -2f, 65504f}, h.toFloatArray());
    TensorValue bf =
        OnnxTensors.fromProto(
            proto(TensorProto.DataType.BFLOAT16).addInt32Data(0x3fc0).build(), "s", "t");
    assertEquals(1.5f, bf.floatAt(0));
    TensorValue u8 =
        OnnxTensors.fromProto(
            proto(TensorProto.DataType.UINT8, 1).addInt32Data(200).build(), "s", "t");
    assertEquals(200, u8.longAt(0));
    TensorValue empty =
        OnnxTensors.fromProto(proto(TensorProto.DataType.FLOAT, 0, 3).build(), "s", "t");
    assertEquals(0, empty.elementCount());
  }

  @Test
  void rawDataRoundTripsForEveryType() throws Exception {
    Random rnd = new Random(3);
    for (DataType t : DataType.values()) {
      if (t == DataType.UNDEFINED || t == DataType.STRING) {
        continue;
      }
      TensorValue v;
      if (t.isFloatingPoint()) {
        float[] f = new float[6];
        for (int i = 0; i < f.length; i++) {
          float x = (float) rnd.nextGaussian();
          // values representable in the narrow type, so that the round trip must be exact
          f[i] =
              t == DataType.FLOAT16
                  ? HalfFloats.halfToFloat(HalfFloats.floatToHalf(x))
                  : t == DataType.BFLOAT16
                      ? HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(x))
                      : x;
        }
        v = TensorValue.ofFloats(t, new long[] {2, 3}, f);
      } else {
        long[] l = {0, 1, t == DataType.BOOL ? 1 : 100, 0, 1, 0};
        v = TensorValue.ofLongs(t, new long[] {3, 2}, l);
      }
      TensorValue back = OnnxTensors.parse(OnnxTensors.toBytes(v, "x"), "mem");
      TestModels.assertSameTensor(v, back, t.toString());
    }
  }

  @Test
  void halfFloatConversionIsExactOnAllHalfValues() {
    for (int h = 0; h < 0x10000; h++) {
      float f = HalfFloats.halfToFloat(h);
      int back = HalfFloats.floatToHalf(f);
      assertEquals(h, back, "half bits " + Integer.toHexString(h));
    }
    assertEquals(0x3c00, HalfFloats.floatToHalf(1.0004883f)); // halfway 1 + 2^-11 rounds to even
    assertEquals(0x7c00, HalfFloats.floatToHalf(1e6f));
    for (int b = 0; b < 0x10000; b++) {
      float f = HalfFloats.bfloat16ToFloat(b);
      int back = HalfFloats.floatToBfloat16(f);
      if (!Float.isNaN(f)) {
        assertEquals(b, back);
      }
    }
  }

  @Test
  void badTensorsGiveCleanErrors() {
    OnnxFormatException e =
        assertThrows(
            OnnxFormatException.class,
            () ->
                OnnxTensors.fromProto(
                    proto(TensorProto.DataType.FLOAT, 1000, 1000, 1000)
                        .setRawData(ByteString.copyFrom(new byte[8]))
                        .build(),
                    "f.onnx",
                    "initializer 'w'"));
    assertTrue(
        e.getMessage().contains("f.onnx") && e.getMessage().contains("initializer 'w'"),
        e.getMessage());
    e =
        assertThrows(
            OnnxFormatException.class,
            () ->
                OnnxTensors.fromProto(
                    proto(TensorProto.DataType.FLOAT, Long.MAX_VALUE / 2, 4).build(),
                    "f.onnx",
                    "initializer 'w'"));
    assertTrue(e.getMessage().contains("overflow"), e.getMessage());
    e =
        assertThrows(
            OnnxFormatException.class,
            () ->
                OnnxTensors.fromProto(
                    proto(TensorProto.DataType.FLOAT, 1L << 40).build(),
                    "f.onnx",
                    "initializer 'w'"));
    assertTrue(e.getMessage().contains("elements"), e.getMessage());
    e =
        assertThrows(
            OnnxFormatException.class,
            () ->
                OnnxTensors.fromProto(
                    proto(TensorProto.DataType.FLOAT, 3).addFloatData(1f).build(),
                    "f.onnx",
                    "initializer 'w'"));
    assertTrue(e.getMessage().contains("needs 3 values, found 1"), e.getMessage());
    e =
        assertThrows(
            OnnxFormatException.class,
            () ->
                OnnxTensors.fromProto(
                    proto(TensorProto.DataType.FLOAT, -3).build(), "f.onnx", "initializer 'w'"));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
    OnnxUnsupportedException u =
        assertThrows(
            OnnxUnsupportedException.class,
            () ->
                OnnxTensors.fromProto(
                    proto(TensorProto.DataType.FLOAT, 3)
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(
                            StringStringEntryProto.newBuilder()
                                .setKey("location")
                                .setValue("weights.bin"))
                        .build(),
                    "f.onnx",
                    "initializer 'w'"));
    assertTrue(
        u.getMessage().contains("external") && u.getMessage().contains("weights.bin"),
        u.getMessage());
    assertThrows(
        OnnxUnsupportedException.class,
        () ->
            OnnxTensors.fromProto(
                proto(TensorProto.DataType.STRING, 1)
                    .addStringData(ByteString.copyFromUtf8("a"))
                    .build(),
                "f",
                "t"));
    assertThrows(
        OnnxUnsupportedException.class,
        () -> OnnxTensors.fromProto(proto(TensorProto.DataType.COMPLEX64, 1).build(), "f", "t"));
  }
}
