package org.lowrank.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.util.AtomicFiles;

/**
 * Writes the graph IR as an ONNX {@code ModelProto}. The producer is set to {@value #PRODUCER}; IR
 * version, opset imports, doc strings and metadata are taken from the {@link Model}. Tensors are
 * written as little-endian {@code raw_data} in their declared element type.
 *
 * <p>Files are written atomically (a temp file in the target directory, then a rename), and the
 * writer refuses to overwrite the model's own input file: the file {@link OnnxReader#read(Path)}
 * read the model's graph from, and any {@code inputPath} the caller names.
 */
public final class OnnxWriter {
  /** The producer name written into every model. */
  public static final String PRODUCER = "lowrank";

  private OnnxWriter() {}

  /** The serialized model. */
  public static byte[] toBytes(Model model) {
    return toProto(model).toByteArray();
  }

  /**
   * Writes the model to {@code out} atomically.
   *
   * @throws IOException if {@code out} is the file the model was read from, or writing fails
   */
  public static void write(Model model, Path out) throws IOException {
    write(model, out, null);
  }

  /**
   * Writes the model to {@code out} atomically, refusing to overwrite {@code inputPath} (may be
   * null) or the file the model was read from.
   */
  public static void write(Model model, Path out, Path inputPath) throws IOException {
    refuseInput(out, inputPath);
    Optional<Path> source = OnnxReader.sourceOf(model);
    if (source.isPresent()) {
      refuseInput(out, source.get());
    }
    AtomicFiles.write(out, toBytes(model));
  }

  private static void refuseInput(Path out, Path input) throws IOException {
    if (input == null) {
      return;
    }
    boolean same = out.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize());
    if (!same && Files.exists(out) && Files.exists(input)) {
      same = Files.isSameFile(out, input);
    }
    if (same) {
      throw new IOException(
          "refusing to overwrite the input model "
              + input
              + "; write the result to a different file");
    }
  }

  /** The ModelProto of a model (producer set to {@value #PRODUCER}). */
  public static ModelProto toProto(Model model) {
    ModelProto.Builder b =
        ModelProto.newBuilder()
            .setIrVersion(model.irVersion())
            .setProducerName(PRODUCER)
            .setProducerVersion(producerVersion())
            .setGraph(graph(model.graph()));
    if (!model.docString().isEmpty()) {
      b.setDocString(model.docString());
    }
    for (Map.Entry<String, Long> e : model.opsetImports().entrySet()) {
      OperatorSetIdProto.Builder o = OperatorSetIdProto.newBuilder().setVersion(e.getValue());
      if (!e.getKey().isEmpty()) {
        o.setDomain(e.getKey());
      }
      b.addOpsetImport(o);
    }
    for (Map.Entry<String, String> e : model.metadata().entrySet()) {
      b.addMetadataProps(
          StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
    }
    return b.build();
  }

  private static String producerVersion() {
    String v = OnnxWriter.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  static GraphProto graph(Graph g) {
    GraphProto.Builder b = GraphProto.newBuilder().setName(g.name());
    if (!g.docString().isEmpty()) {
      b.setDocString(g.docString());
    }
    for (Map.Entry<String, TensorValue> e : g.initializers().entrySet()) {
      b.addInitializer(OnnxTensors.toProto(e.getValue(), e.getKey()));
    }
    for (ValueInfo v : g.inputs()) {
      b.addInput(valueInfo(v));
    }
    for (ValueInfo v : g.outputs()) {
      b.addOutput(valueInfo(v));
    }
    for (ValueInfo v : g.valueInfos()) {
      b.addValueInfo(valueInfo(v));
    }
    for (Node n : g.nodes()) {
      b.addNode(node(n));
    }
    return b.build();
  }

  static ValueInfoProto valueInfo(ValueInfo v) {
    ValueInfoProto.Builder b = ValueInfoProto.newBuilder().setName(v.name());
    if (v.elementType().onnxCode() == 0 && v.shape() == null) {
      return b.build();
    }
    TypeProto.Tensor.Builder tt =
        TypeProto.Tensor.newBuilder().setElemType(v.elementType().onnxCode());
    if (v.shape() != null) {
      TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
      for (ValueInfo.Dim d : v.shape()) {
        TensorShapeProto.Dimension.Builder db = TensorShapeProto.Dimension.newBuilder();
        if (d.isKnown()) {
          db.setDimValue(d.value());
        } else if (d.symbol() != null && !d.symbol().isEmpty()) {
          db.setDimParam(d.symbol());
        }
        s.addDim(db);
      }
      tt.setShape(s);
    }
    return b.setType(TypeProto.newBuilder().setTensorType(tt)).build();
  }

  static NodeProto node(Node n) {
    NodeProto.Builder b =
        NodeProto.newBuilder()
            .setOpType(n.opType())
            .addAllInput(n.inputs())
            .addAllOutput(n.outputs());
    if (!n.name().isEmpty()) {
      b.setName(n.name());
    }
    if (!n.domain().isEmpty()) {
      b.setDomain(n.domain());
    }
    if (!n.docString().isEmpty()) {
      b.setDocString(n.docString());
    }
    for (Attribute a : n.attributes().values()) {
      b.addAttribute(attribute(a));
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  static AttributeProto attribute(Attribute a) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(a.name());
    switch (a.kind()) {
      case FLOAT -> b.setType(AttributeProto.AttributeType.FLOAT).setF(a.asFloat());
      case INT -> b.setType(AttributeProto.AttributeType.INT).setI(a.asLong());
      case STRING ->
          b.setType(AttributeProto.AttributeType.STRING)
              .setS(ByteString.copyFromUtf8(a.asString()));
      case TENSOR ->
          b.setType(AttributeProto.AttributeType.TENSOR)
              .setT(OnnxTensors.toProto(a.asTensor(), ""));
      case GRAPH -> b.setType(AttributeProto.AttributeType.GRAPH).setG(graph(a.asGraph()));
      case FLOATS ->
          b.setType(AttributeProto.AttributeType.FLOATS).addAllFloats((List<Float>) a.value());
      case INTS -> b.setType(AttributeProto.AttributeType.INTS).addAllInts((List<Long>) a.value());
      case STRINGS -> {
        b.setType(AttributeProto.AttributeType.STRINGS);
        for (String s : a.asStrings()) {
          b.addStrings(ByteString.copyFromUtf8(s));
        }
      }
      case TENSORS -> {
        b.setType(AttributeProto.AttributeType.TENSORS);
        for (TensorValue t : (List<TensorValue>) a.value()) {
          b.addTensors(OnnxTensors.toProto(t, ""));
        }
      }
      case GRAPHS -> {
        b.setType(AttributeProto.AttributeType.GRAPHS);
        for (Graph g : (List<Graph>) a.value()) {
          b.addGraphs(graph(g));
        }
      }
    }
    return b.build();
  }
}
