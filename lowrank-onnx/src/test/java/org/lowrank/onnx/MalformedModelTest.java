package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.UnsupportedModelException;

/**
 * A corpus of broken models generated in code (truncations and byte flips of ResNet-20, bogus dims,
 * cycles, unknown ops, missing weights): every one must end in a clean, located exception, never an
 * unchecked surprise or an OutOfMemoryError.
 */
class MalformedModelTest {

  @TempDir Path tmp;

  /** Outcome of reading and profiling: "ok", or the clean exception. */
  private static Exception loadAndProfile(byte[] bytes, String source) {
    try {
      ModelProfile.of(OnnxReader.parse(bytes, source));
      return null;
    } catch (OnnxFormatException e) {
      assertTrue(e.getMessage().startsWith(source + ": "), e.getMessage());
      return e;
    } catch (ModelException e) {
      assertTrue(
          e.getMessage() != null && e.getMessage().length() > 10, String.valueOf(e.getMessage()));
      return e;
    } catch (RuntimeException | Error e) {
      throw new AssertionError(source + ": unclean failure " + e, e);
    }
  }

  @Test
  void truncatedFilesGiveFormatErrors() throws IOException {
    byte[] full = Files.readAllBytes(TestModels.realModel("resnet20_cifar10"));
    int[] cuts = {
      0,
      1,
      7,
      100,
      1000,
      4096,
      full.length / 3,
      full.length / 2,
      full.length - 1000,
      full.length - 3,
      full.length - 1
    };
    int clean = 0;
    for (int cut : cuts) {
      Exception e = loadAndProfile(Arrays.copyOf(full, cut), "resnet20-cut" + cut + ".onnx");
      if (e != null) {
        clean++;
      }
    }
    // every cut breaks the file: no truncation may be read as a complete model
    assertEquals(cuts.length, clean);
    OnnxFormatException e =
        assertThrows(
            OnnxFormatException.class,
            () -> OnnxReader.parse(Arrays.copyOf(full, full.length / 2), "half.onnx"));
    assertTrue(
        e.getMessage().contains("half.onnx") && e.getMessage().contains("truncated"),
        e.getMessage());
    OnnxFormatException empty =
        assertThrows(OnnxFormatException.class, () -> OnnxReader.parse(new byte[0], "empty.onnx"));
    assertTrue(empty.getMessage().contains("no graph"), empty.getMessage());
  }

  @Test
  void flippedBytesNeverCrash() throws IOException {
    byte[] full = Files.readAllBytes(TestModels.realModel("resnet20_cifar10"));
    Random rnd = new Random(20261123L);
    int failures = 0;
    for (int trial = 0; trial < 150; trial++) {
      byte[] b = full.clone();
      int flips = 1 + rnd.nextInt(8);
      // half the trials hit the graph structure (nodes come first in the file), half anywhere
      int range = trial % 2 == 0 ? Math.min(b.length, 24_000) : b.length;
      for (int k = 0; k < flips; k++) {
        int pos = rnd.nextInt(range);
        b[pos] ^= (byte) (1 + rnd.nextInt(255));
      }
      if (loadAndProfile(b, "flip" + trial + ".onnx") != null) {
        failures++;
      }
    }
    assertTrue(failures > 10, "most structural flips must be detected, got " + failures);
  }

  private static ValueInfoProto input(String name, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s)))
        .build();
  }

  private static TensorProto weight(String name, long... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
    long n = 1;
    for (long d : dims) {
      t.addDims(d);
      n *= d;
    }
    return t.setRawData(ByteString.copyFrom(new byte[(int) n * 4])).build();
  }

  private static NodeProto node(String op, String name, String[] in, String... out) {
    return NodeProto.newBuilder()
        .setOpType(op)
        .setName(name)
        .addAllInput(Arrays.asList(in))
        .addAllOutput(Arrays.asList(out))
        .build();
  }

  private static byte[] model(GraphProto.Builder g) {
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13))
        .setGraph(g.addOutput(ValueInfoProto.newBuilder().setName("y")))
        .build()
        .toByteArray();
  }

  private static GraphProto.Builder convGraph() {
    return GraphProto.newBuilder()
        .addInput(input("x", 1, 3, 8, 8))
        .addInitializer(weight("w", 4, 3, 3, 3));
  }

  @Test
  void bogusDimensionsAreRejectedBeforeAllocating() {
    // a weight that claims 2^60 elements with 16 bytes of data
    GraphProto.Builder g =
        convGraph()
            .addInitializer(
                TensorProto.newBuilder()
                    .setName("huge")
                    .setDataType(1)
                    .addDims(1L << 20)
                    .addDims(1L << 20)
                    .addDims(1L << 20)
                    .setRawData(ByteString.copyFrom(new byte[16])))
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "y"));
    OnnxFormatException e =
        assertThrows(OnnxFormatException.class, () -> OnnxReader.parse(model(g), "huge.onnx"));
    assertTrue(
        e.getMessage().contains("huge.onnx") && e.getMessage().contains("initializer 'huge'"),
        e.getMessage());
    // float_data shorter than declared
    GraphProto.Builder g2 =
        convGraph()
            .addInitializer(
                TensorProto.newBuilder()
                    .setName("short")
                    .setDataType(1)
                    .addDims(1000)
                    .addDims(1000)
                    .addFloatData(1f))
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "y"));
    e = assertThrows(OnnxFormatException.class, () -> OnnxReader.parse(model(g2), "short.onnx"));
    assertTrue(
        e.getMessage().contains("'short'") && e.getMessage().contains("1000000"), e.getMessage());
    // an input declared with absurd spatial size: counts overflow, reported cleanly
    GraphProto.Builder g3 =
        GraphProto.newBuilder()
            .addInput(input("x", 1, 3, 1L << 40, 1L << 40))
            .addInitializer(weight("w", 4, 3, 3, 3))
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "y"));
    Exception ex = loadAndProfile(model(g3), "wide.onnx");
    assertTrue(ex instanceof ModelException, String.valueOf(ex));
    // a Reshape to a huge constant shape
    GraphProto.Builder g4 =
        convGraph()
            .addInitializer(
                TensorProto.newBuilder()
                    .setName("s")
                    .setDataType(7)
                    .addDims(2)
                    .addInt64Data(1L << 40)
                    .addInt64Data(1L << 40))
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "c"))
            .addNode(node("Reshape", "reshape", new String[] {"c", "s"}, "y"));
    ex = loadAndProfile(model(g4), "reshape.onnx");
    assertTrue(
        ex instanceof ModelException && ex.getMessage().contains("reshape"), String.valueOf(ex));
  }

  @Test
  void cyclesUnknownOpsMissingWeightsAndExternalData() throws IOException {
    GraphProto.Builder cyc =
        convGraph()
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "c"))
            .addNode(node("Add", "add", new String[] {"c", "r"}, "a"))
            .addNode(node("Relu", "relu", new String[] {"a"}, "r"))
            .addNode(node("Identity", "out", new String[] {"r"}, "y"));
    Exception e = loadAndProfile(model(cyc), "cycle.onnx");
    assertTrue(
        e instanceof ModelException
            && e.getMessage().contains("cycle")
            && e.getMessage().contains("add (Add)"),
        String.valueOf(e));

    Path cycFile = tmp.resolve("cycle.onnx");
    Files.write(cycFile, model(cyc));
    OnnxFormatException ce =
        assertThrows(OnnxFormatException.class, () -> OnnxReader.readValidated(cycFile));
    assertTrue(
        ce.getMessage().startsWith(cycFile + ": node ") && ce.getMessage().contains("cycle"),
        ce.getMessage());

    GraphProto.Builder unknown =
        convGraph()
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "c"))
            .addNode(node("WarpDrive", "engage", new String[] {"c"}, "y"));
    e = loadAndProfile(model(unknown), "unknown.onnx");
    assertTrue(
        e instanceof UnsupportedModelException
            && e.getMessage().contains("engage")
            && e.getMessage().contains("WarpDrive"),
        String.valueOf(e));

    GraphProto.Builder missing =
        GraphProto.newBuilder()
            .addInput(input("x", 1, 3, 8, 8))
            .addNode(node("Conv", "conv", new String[] {"x", "conv.weight"}, "y"));
    e = loadAndProfile(model(missing), "missing.onnx");
    assertTrue(
        e instanceof ModelException
            && e.getMessage().contains("conv.weight")
            && e.getMessage().contains("conv (Conv)"),
        String.valueOf(e));

    GraphProto.Builder wrongShape =
        GraphProto.newBuilder()
            .addInput(input("x", 1, 5, 8, 8))
            .addInitializer(weight("w", 4, 3, 3, 3))
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "y"));
    e = loadAndProfile(model(wrongShape), "channels.onnx");
    assertTrue(
        e instanceof ModelException && e.getMessage().contains("5 channels"), String.valueOf(e));

    GraphProto.Builder ext =
        GraphProto.newBuilder()
            .addInput(input("x", 1, 3, 8, 8))
            .addInitializer(
                TensorProto.newBuilder()
                    .setName("w")
                    .setDataType(1)
                    .addDims(4)
                    .addDims(3)
                    .addDims(3)
                    .addDims(3)
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(
                        StringStringEntryProto.newBuilder()
                            .setKey("location")
                            .setValue("model.data")))
            .addNode(node("Conv", "conv", new String[] {"x", "w"}, "y"));
    Path file = tmp.resolve("external.onnx");
    Files.write(file, model(ext));
    OnnxUnsupportedException u =
        assertThrows(OnnxUnsupportedException.class, () -> OnnxReader.read(file));
    assertTrue(
        u.getMessage().contains(file.toString()) && u.getMessage().contains("model.data"),
        u.getMessage());

    OnnxFormatException nf =
        assertThrows(OnnxFormatException.class, () -> OnnxReader.read(tmp.resolve("nope.onnx")));
    assertTrue(nf.getMessage().contains("nope.onnx"), nf.getMessage());

    // a valid model of the corpus generator, as a control
    GraphProto.Builder ok = convGraph().addNode(node("Conv", "conv", new String[] {"x", "w"}, "y"));
    ModelProfile p =
        ModelProfile.of(
            OnnxReader.parse(model(ok), "ok.onnx"),
            Map.of(),
            org.lowrank.analysis.ProfileOptions.DEFAULTS);
    assertEquals(4L * 3 * 9 * 36, p.totalMacs());
  }

  @Test
  void garbageBytesAreNotAModel() {
    Random rnd = new Random(5);
    for (int i = 0; i < 50; i++) {
      byte[] b = new byte[1 + rnd.nextInt(5000)];
      rnd.nextBytes(b);
      Exception e = loadAndProfile(b, "garbage" + i + ".onnx");
      if (e == null) {
        fail("random bytes read as a model: garbage" + i);
      }
    }
  }
}
