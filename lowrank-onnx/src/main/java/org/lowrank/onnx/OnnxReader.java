package org.lowrank.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.GraphValidator;
import org.lowrank.graph.LegacyOps;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an ONNX model ({@code ModelProto}, opsets 7 to 21) into the graph IR. Everything the IR can
 * hold is kept (node names, attributes, subgraphs, value infos, metadata); what it cannot hold is
 * rejected with an {@link OnnxUnsupportedException} instead of being dropped silently (external
 * data, sparse initializers, model-local functions, string tensors). Corrupt input gives an {@link
 * OnnxFormatException} naming the file and the node or tensor; sizes are always checked against the
 * bytes actually present before allocating.
 *
 * <p>The reader remembers which file each model's graph came from (weakly), so that {@link
 * OnnxWriter} can refuse to overwrite it.
 */
public final class OnnxReader {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxReader.class);

  /** Default-domain opsets this reader is tested with. */
  public static final long MIN_OPSET = 7;

  public static final long MAX_OPSET = 21;

  /**
   * The highest default-domain opset the bundled ONNX Runtime (1.29.0) loads; a model stamped
   * higher cannot run, so the reader refuses it. Measured: opset 26 loads, 27 is refused.
   */
  public static final long MAX_RUNTIME_OPSET = 26;

  /** The highest IR version the bundled ONNX Runtime (1.29.0) loads (it refuses 14). */
  public static final long MAX_IR_VERSION = 13;

  private static final Map<Graph, Path> SOURCES = Collections.synchronizedMap(new WeakHashMap<>());

  private final String source;

  private OnnxReader(String source) {
    this.source = source;
  }

  /** Reads a model file. */
  public static Model read(Path file) throws IOException {
    Model m = parse(OnnxTensors.readBounded(file), file.toString());
    SOURCES.put(m.graph(), file.toAbsolutePath().normalize());
    return m;
  }

  /**
   * Reads a model file and checks its graph with {@link GraphValidator} (no cycles, no dangling
   * inputs, one producer per value), sorting the nodes topologically if needed. Graph errors become
   * an {@link OnnxFormatException} naming the file and the node.
   */
  public static Model readValidated(Path file) throws IOException {
    Model m = read(file);
    Model checked;
    try {
      checked = GraphValidator.validateAndSort(m);
    } catch (ModelException e) {
      throw new OnnxFormatException(file.toString(), e.getMessage(), e);
    }
    if (checked != m) {
      SOURCES.put(checked.graph(), file.toAbsolutePath().normalize());
    }
    return checked;
  }

  /** Parses a serialized model; {@code source} labels error messages (e.g. a file name). */
  public static Model parse(byte[] bytes, String source) throws OnnxFormatException {
    ModelProto proto;
    try {
      proto = ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new OnnxFormatException(
          source,
          "not a valid ONNX model: protobuf parsing failed ("
              + e.getMessage()
              + "); the file is truncated or corrupt",
          e);
    }
    try {
      return new OnnxReader(source).model(proto);
    } catch (OnnxFormatException e) {
      throw e; // already names the source and keeps its kind (unsupported or bad input)
    } catch (RuntimeException e) {
      throw new OnnxFormatException(source, "malformed model: " + e.getMessage(), e);
    }
  }

  /**
   * The file a model was read from, if it was read by {@link #read(Path)} and its graph is
   * unchanged.
   */
  public static Optional<Path> sourceOf(Model model) {
    return Optional.ofNullable(SOURCES.get(model.graph()));
  }

  private Model model(ModelProto p) throws OnnxFormatException {
    if (!p.hasGraph()) {
      throw new OnnxFormatException(
          source, "no graph in the file (" + bytesHint(p) + "); is it really an ONNX model?");
    }
    if (!p.hasIrVersion() || p.getIrVersion() <= 0) {
      throw new OnnxFormatException(
          source, "no valid ir_version (" + bytesHint(p) + "); is it really an ONNX model?");
    }
    if (p.getFunctionsCount() > 0) {
      List<String> names = new ArrayList<>();
      p.getFunctionsList().forEach(f -> names.add(f.getDomain() + ":" + f.getName()));
      throw new OnnxUnsupportedException(
          source,
          "model-local functions "
              + names
              + " are not supported; inline them first"
              + " (onnx.inliner.inline_local_functions)");
    }
    if (p.getTrainingInfoCount() > 0) {
      LOG.warn("{}: ignoring {} training_info entries", source, p.getTrainingInfoCount());
    }
    Map<String, Long> opsets = new LinkedHashMap<>();
    for (OperatorSetIdProto o : p.getOpsetImportList()) {
      opsets.put(o.getDomain(), o.getVersion());
    }
    if (opsets.isEmpty()) {
      // IR version 1-2 models have no opset_import: ONNX defines them as opset 1
      throw new OnnxUnsupportedException(
          source,
          "no opset_import (a pre-2017 model); lowrank supports opsets "
              + MIN_OPSET
              + " to "
              + MAX_OPSET
              + ": convert it with onnx.version_converter");
    }
    Long opset = opsets.containsKey("") ? opsets.get("") : opsets.get("ai.onnx");
    checkVersions(p.getIrVersion(), opset);
    if (opset != null && (opset < MIN_OPSET || opset > MAX_OPSET)) {
      LOG.warn(
          "{}: default-domain opset {} is outside the tested range {}..{}",
          source,
          opset,
          MIN_OPSET,
          MAX_OPSET);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    for (StringStringEntryProto e : p.getMetadataPropsList()) {
      meta.put(e.getKey(), e.getValue());
    }
    Graph g = graph(p.getGraph(), "graph");
    int unknown = p.getUnknownFields().asMap().size() + unknownFields(p.getGraph());
    if (unknown > 0) {
      LOG.warn(
          "{}: {} fields unknown to lowrank's ONNX schema (IR version {}) are dropped on reading",
          source,
          unknown,
          p.getIrVersion());
    }
    // opset-7 era experimental ops (ImageScaler, Affine, Crop) become Mul/Add/Slice here, once for
    // every verb
    return LegacyOps.upgrade(
        new Model(
            g,
            p.getIrVersion(),
            opsets,
            p.getProducerName(),
            p.getProducerVersion(),
            p.getDocString(),
            meta));
  }

  /** Refuses versions ONNX Runtime cannot load, before any work is done on the model. */
  private void checkVersions(long irVersion, Long opset) throws OnnxUnsupportedException {
    if (irVersion > MAX_IR_VERSION) {
      throw new OnnxUnsupportedException(
          source,
          "IR version "
              + irVersion
              + " is not supported: "
              + "lowrank runs models in ONNX Runtime, which loads IR versions up to "
              + MAX_IR_VERSION
              + "; re-export the model with an older exporter or save it with a lower ir_version");
    }
    if (opset != null && opset > MAX_RUNTIME_OPSET) {
      throw new OnnxUnsupportedException(
          source,
          "default-domain (ai.onnx) opset "
              + opset
              + " is not supported: ONNX Runtime runs opsets up to "
              + MAX_RUNTIME_OPSET
              + " (lowrank is tested with "
              + MIN_OPSET
              + " to "
              + MAX_OPSET
              + "); convert the model with"
              + " onnx.version_converter.convert_version(model, "
              + MAX_OPSET
              + ")");
    }
  }

  private static int unknownFields(GraphProto g) {
    int n = g.getUnknownFields().asMap().size();
    for (NodeProto np : g.getNodeList()) {
      n += np.getUnknownFields().asMap().size();
      for (AttributeProto a : np.getAttributeList()) {
        n += a.getUnknownFields().asMap().size();
        if (a.hasG()) {
          n += unknownFields(a.getG());
        }
      }
    }
    return n;
  }

  private static String bytesHint(ModelProto p) {
    int unknown = p.getUnknownFields().getSerializedSize();
    return unknown > 0 ? unknown + " bytes of unrecognised fields" : "empty message";
  }

  private Graph graph(GraphProto gp, String where) throws OnnxFormatException {
    if (gp.getSparseInitializerCount() > 0) {
      throw new OnnxUnsupportedException(
          source,
          where + " has " + gp.getSparseInitializerCount() + " sparse initializers; not supported");
    }
    Graph.Builder b = Graph.builder().name(gp.getName()).docString(gp.getDocString());
    for (TensorProto t : gp.getInitializerList()) {
      String name = t.getName();
      if (name.isEmpty()) {
        throw new OnnxFormatException(source, where + " has an initializer without a name");
      }
      b.putInitializer(name, OnnxTensors.fromProto(t, source, "initializer '" + name + "'"));
    }
    for (ValueInfoProto v : gp.getInputList()) {
      b.addInput(valueInfo(v, where + " input"));
    }
    for (ValueInfoProto v : gp.getOutputList()) {
      b.addOutput(valueInfo(v, where + " output"));
    }
    for (ValueInfoProto v : gp.getValueInfoList()) {
      b.addValueInfo(valueInfo(v, where + " value_info"));
    }
    int index = 0;
    for (NodeProto np : gp.getNodeList()) {
      b.addNode(node(np, index++, where));
    }
    return b.build();
  }

  private ValueInfo valueInfo(ValueInfoProto v, String where) throws OnnxFormatException {
    if (v.getName().isEmpty()) {
      throw new OnnxFormatException(source, where + " without a name");
    }
    if (!v.hasType() || !v.getType().hasTensorType()) {
      return new ValueInfo(v.getName(), DataType.UNDEFINED, null);
    }
    TypeProto.Tensor tt = v.getType().getTensorType();
    DataType type;
    try {
      type = DataType.fromOnnx(tt.getElemType());
    } catch (IllegalArgumentException e) {
      LOG.debug(
          "{}: value '{}' has element type {}; recorded as UNDEFINED",
          source,
          v.getName(),
          tt.getElemType());
      type = DataType.UNDEFINED;
    }
    if (!tt.hasShape()) {
      return new ValueInfo(v.getName(), type, null);
    }
    List<ValueInfo.Dim> dims = new ArrayList<>();
    for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
      if (d.hasDimValue()) {
        if (d.getDimValue() == -1) {
          // older exporters (e.g. paddle2onnx) mark a free dimension as -1: read it as unknown, as
          // ORT does
          LOG.debug(
              "{}: value '{}' has dimension -1; read as an unknown dimension", source, v.getName());
          dims.add(ValueInfo.Dim.symbolic(""));
          continue;
        }
        if (d.getDimValue() < 0) {
          throw new OnnxFormatException(
              source, "value '" + v.getName() + "' has negative dimension " + d.getDimValue());
        }
        dims.add(ValueInfo.Dim.of(d.getDimValue()));
      } else {
        dims.add(ValueInfo.Dim.symbolic(d.hasDimParam() ? d.getDimParam() : ""));
      }
    }
    return new ValueInfo(v.getName(), type, dims);
  }

  private Node node(NodeProto np, int index, String where) throws OnnxFormatException {
    String label =
        "node #" + index + " '" + np.getName() + "' (" + np.getOpType() + ") of the " + where;
    if (np.getOpType().isEmpty()) {
      throw new OnnxFormatException(source, label + " has no op_type");
    }
    Node.Builder b =
        Node.builder(np.getOpType())
            .name(np.getName())
            .domain(np.getDomain())
            .inputs(np.getInputList())
            .outputs(np.getOutputList())
            .docString(np.getDocString());
    for (AttributeProto a : np.getAttributeList()) {
      b.attribute(attribute(a, label));
    }
    return b.build();
  }

  private Attribute attribute(AttributeProto a, String label) throws OnnxFormatException {
    String name = a.getName();
    String what = label + ", attribute '" + name + "'";
    if (name.isEmpty()) {
      throw new OnnxFormatException(source, label + " has an attribute without a name");
    }
    if (!a.getRefAttrName().isEmpty()) {
      throw new OnnxUnsupportedException(
          source, what + " refers to a function attribute; not supported");
    }
    AttributeProto.AttributeType type =
        a.hasType() ? a.getType() : AttributeProto.AttributeType.UNDEFINED;
    if (type == AttributeProto.AttributeType.UNDEFINED) {
      type = inferType(a, what);
    }
    switch (type) {
      case FLOAT:
        return new Attribute(name, Attribute.Kind.FLOAT, a.getF());
      case INT:
        return new Attribute(name, Attribute.Kind.INT, a.getI());
      case STRING:
        return new Attribute(name, Attribute.Kind.STRING, utf8(a.getS()));
      case TENSOR:
        return new Attribute(
            name, Attribute.Kind.TENSOR, OnnxTensors.fromProto(a.getT(), source, what));
      case GRAPH:
        return new Attribute(name, Attribute.Kind.GRAPH, graph(a.getG(), "subgraph " + what));
      case FLOATS:
        return new Attribute(name, Attribute.Kind.FLOATS, new ArrayList<>(a.getFloatsList()));
      case INTS:
        return new Attribute(name, Attribute.Kind.INTS, new ArrayList<>(a.getIntsList()));
      case STRINGS:
        {
          List<String> s = new ArrayList<>();
          for (ByteString bs : a.getStringsList()) {
            s.add(utf8(bs));
          }
          return new Attribute(name, Attribute.Kind.STRINGS, s);
        }
      case TENSORS:
        {
          List<TensorValue> ts = new ArrayList<>();
          for (TensorProto t : a.getTensorsList()) {
            ts.add(OnnxTensors.fromProto(t, source, what));
          }
          return new Attribute(name, Attribute.Kind.TENSORS, ts);
        }
      case GRAPHS:
        {
          List<Graph> gs = new ArrayList<>();
          for (GraphProto g : a.getGraphsList()) {
            gs.add(graph(g, "subgraph " + what));
          }
          return new Attribute(name, Attribute.Kind.GRAPHS, gs);
        }
      default:
        throw new OnnxUnsupportedException(
            source, what + " has type " + type + ", which lowrank does not support");
    }
  }

  /** Attribute type for old files that leave {@code type} unset: the one value field present. */
  private AttributeProto.AttributeType inferType(AttributeProto a, String what)
      throws OnnxFormatException {
    if (a.hasF()) {
      return AttributeProto.AttributeType.FLOAT;
    } else if (a.hasI()) {
      return AttributeProto.AttributeType.INT;
    } else if (a.hasS()) {
      return AttributeProto.AttributeType.STRING;
    } else if (a.hasT()) {
      return AttributeProto.AttributeType.TENSOR;
    } else if (a.hasG()) {
      return AttributeProto.AttributeType.GRAPH;
    } else if (a.getFloatsCount() > 0) {
      return AttributeProto.AttributeType.FLOATS;
    } else if (a.getIntsCount() > 0) {
      return AttributeProto.AttributeType.INTS;
    } else if (a.getStringsCount() > 0) {
      return AttributeProto.AttributeType.STRINGS;
    } else if (a.getTensorsCount() > 0) {
      return AttributeProto.AttributeType.TENSORS;
    } else if (a.getGraphsCount() > 0) {
      return AttributeProto.AttributeType.GRAPHS;
    }
    throw new OnnxFormatException(source, what + " has neither a type nor a value");
  }

  private static String utf8(ByteString s) {
    return new String(s.toByteArray(), StandardCharsets.UTF_8);
  }
}
