package org.lowrank.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A model: a {@link Graph} plus the metadata an ONNX file carries (IR version, operator set imports
 * by domain, producer, metadata properties). Immutable.
 *
 * @param irVersion ONNX IR version
 * @param opsetImports opset version per domain ("" is the default ONNX domain)
 */
public record Model(
    Graph graph,
    long irVersion,
    Map<String, Long> opsetImports,
    String producerName,
    String producerVersion,
    String docString,
    Map<String, String> metadata) {

  public Model {
    Objects.requireNonNull(graph, "graph");
    opsetImports = Collections.unmodifiableMap(new LinkedHashMap<>(opsetImports));
    producerName = producerName == null ? "" : producerName;
    producerVersion = producerVersion == null ? "" : producerVersion;
    docString = docString == null ? "" : docString;
    metadata =
        metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** A model with the default ONNX domain at the given opset. */
  public static Model of(Graph graph, long opset) {
    return new Model(graph, 8, Map.of("", opset), "lowrank", "", "", Map.of());
  }

  /** The opset of the default ONNX domain, or -1 if not imported. */
  public long opset() {
    Long v = opsetImports.get("");
    if (v == null) {
      v = opsetImports.get("ai.onnx");
    }
    return v == null ? -1 : v;
  }

  public Model withGraph(Graph g) {
    return new Model(
        g, irVersion, opsetImports, producerName, producerVersion, docString, metadata);
  }

  public Model withProducer(String name, String version) {
    return new Model(graph, irVersion, opsetImports, name, version, docString, metadata);
  }
}
