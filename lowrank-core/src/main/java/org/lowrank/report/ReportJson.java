package org.lowrank.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.cost.Cost;
import org.lowrank.plan.Plan;
import org.lowrank.report.CompressionReport.Accuracy;
import org.lowrank.report.CompressionReport.ExploredPoint;
import org.lowrank.report.CompressionReport.Latency;
import org.lowrank.util.Json;

/**
 * The machine-readable report: a JSON object with {@code "format": "lowrank-report"}, the model,
 * selector, method, budget, seeds, versions, stage timings, totals, accuracies, latency rows,
 * explored points, warnings and the full plan tree ({@link Plan#toJsonTree()}). Fractions are in
 * [0, 1], latencies in milliseconds, timings in seconds. Lists are always present (maybe empty);
 * accuracy entries only when measured. {@link #read} parses it back.
 */
public final class ReportJson {
  /** Version of the report file format. */
  public static final long FORMAT_VERSION = 1;

  private ReportJson() {}

  /** The report as pretty-printed JSON text (2-space indent, trailing newline). */
  public static String write(CompressionReport r) {
    return Json.write(toJsonTree(r), 2) + "\n";
  }

  /** The report as a JSON object tree (see {@link Json}). */
  public static Map<String, Object> toJsonTree(CompressionReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", "lowrank-report");
    m.put("version", FORMAT_VERSION);
    if (!r.created().isEmpty()) {
      m.put("created", r.created());
    }
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("name", r.modelName());
    model.put("path", r.modelPath());
    model.put("input_shape", r.inputShape());
    m.put("model", model);
    m.put("selector", r.selector());
    m.put("method", r.method());
    Map<String, Object> budget = new LinkedHashMap<>();
    budget.put("kind", r.budget().kind());
    budget.put("keep", r.budget().keepFraction());
    m.put("budget", budget);
    m.put("seeds", r.seeds());
    m.put("versions", r.versions());
    m.put("timings_seconds", r.timingsSeconds());

    Map<String, Object> totals = new LinkedHashMap<>();
    totals.put("before", cost(r.totalBefore()));
    totals.put("after", cost(r.totalAfter()));
    totals.put("params_removed", r.paramsRemovedFraction());
    totals.put("flops_removed", r.flopsRemovedFraction());
    totals.put("compression_ratio", r.compressionRatio());
    m.put("totals", totals);

    Map<String, Object> acc = new LinkedHashMap<>();
    r.accuracyBefore().ifPresent(a -> acc.put("before", accuracy(a)));
    r.accuracyCompressed().ifPresent(a -> acc.put("after_compression", accuracy(a)));
    r.accuracyFinetuned().ifPresent(a -> acc.put("after_finetune", accuracy(a)));
    m.put("accuracy", acc);

    List<Object> lat = new ArrayList<>();
    for (Latency l : r.latency()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("batch_size", l.batchSize());
      row.put("threads", l.threads());
      row.put("original_ms", l.originalMillis());
      row.put("compressed_ms", l.compressedMillis());
      row.put("speedup", l.speedup());
      if (l.runs() > 0) {
        row.put("runs", l.runs());
      }
      if (Double.isFinite(l.medianSpread())) {
        row.put("median_spread", l.medianSpread());
      }
      lat.add(row);
    }
    m.put("latency", lat);

    Map<String, Object> exploration = new LinkedHashMap<>();
    exploration.put("metric", r.explorationMetric());
    List<Object> points = new ArrayList<>();
    for (ExploredPoint p : r.explored()) {
      Map<String, Object> pt = new LinkedHashMap<>();
      pt.put("label", p.label());
      pt.put("params_kept", p.paramsKept());
      pt.put("flops_kept", p.flopsKept());
      pt.put("quality", p.quality());
      pt.put("selected", p.selected());
      points.add(pt);
    }
    exploration.put("points", points);
    m.put("exploration", exploration);
    m.put("score_label", r.scoreLabel());
    r.fidelity().ifPresent(f -> m.put("fidelity", fidelity(f)));
    r.pruning().ifPresent(p -> m.put("pruning", pruning(p)));
    m.put("warnings", r.warnings());
    m.put("plan", r.plan().toJsonTree());
    return m;
  }

  private static Map<String, Object> fidelity(CompressionReport.Fidelity f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("passed", f.passed());
    m.put("written", f.written());
    m.put("verdict", f.verdict());
    m.put("inputs", f.inputs());
    m.put("samples", f.samples());
    m.put("top1_agreement", f.top1Agreement());
    m.put("output_error", f.outputError());
    m.put("guard", f.guard());
    List<Object> layers = new ArrayList<>();
    for (CompressionReport.LayerError e : f.worstLayers()) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("layer", e.layer());
      l.put("input_error", e.inputError());
      l.put("output_error", e.outputError());
      l.put("added_error", e.added());
      layers.add(l);
    }
    m.put("worst_layers", layers);
    m.put("advice", f.advice());
    return m;
  }

  private static Map<String, Object> pruning(CompressionReport.Pruning p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("criterion", p.criterion());
    m.put("keep", p.keep());
    m.put("pruned_groups", p.pruned().size());
    List<Object> groups = new ArrayList<>();
    for (CompressionReport.PrunedGroup g : p.groups()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("members", g.members());
      e.put("channels_before", g.channelsBefore());
      e.put("channels_after", g.channelsAfter());
      e.put("note", g.note());
      groups.add(e);
    }
    m.put("groups", groups);
    return m;
  }

  private static CompressionReport.Pruning readPruning(Reader in, Map<String, Object> m) {
    List<CompressionReport.PrunedGroup> groups = new ArrayList<>();
    for (Object o : in.list(m, "groups")) {
      Map<String, Object> g = in.asObj(o, "pruning.groups[]");
      List<String> members = new ArrayList<>();
      for (Object n : in.list(g, "members")) {
        members.add(String.valueOf(n));
      }
      groups.add(
          new CompressionReport.PrunedGroup(
              members,
              in.num(g.get("channels_before"), "pruning.groups[].channels_before").intValue(),
              in.num(g.get("channels_after"), "pruning.groups[].channels_after").intValue(),
              in.str(g, "note")));
    }
    return new CompressionReport.Pruning(in.str(m, "criterion"), orNaN(m.get("keep")), groups);
  }

  private static CompressionReport.Fidelity readFidelity(Reader in, Map<String, Object> m) {
    List<CompressionReport.LayerError> layers = new ArrayList<>();
    for (Object o : in.list(m, "worst_layers")) {
      Map<String, Object> l = in.asObj(o, "fidelity.worst_layers[]");
      layers.add(
          new CompressionReport.LayerError(
              in.str(l, "layer"), orNaN(l.get("input_error")), orNaN(l.get("output_error"))));
    }
    List<String> advice = new ArrayList<>();
    for (Object o : in.list(m, "advice")) {
      advice.add(String.valueOf(o));
    }
    return new CompressionReport.Fidelity(
        Boolean.TRUE.equals(m.get("passed")),
        in.str(m, "written"),
        in.str(m, "verdict"),
        in.str(m, "inputs"),
        in.num(m.get("samples"), "fidelity.samples").longValue(),
        orNaN(m.get("top1_agreement")),
        orNaN(m.get("output_error")),
        in.str(m, "guard"),
        layers,
        advice);
  }

  /** A number, or NaN where the writer put null (JSON has no NaN or infinity). */
  private static double orNaN(Object v) {
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /**
   * Reads a report written by {@link #write}.
   *
   * @param source where the text came from, for error messages
   * @throws IllegalArgumentException if the text is not a lowrank report
   */
  public static CompressionReport read(String text, String source) {
    Map<String, Object> m;
    try {
      m = Json.parseObject(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": not a report file: " + e.getMessage(), e);
    }
    if (!"lowrank-report".equals(m.get("format"))) {
      throw new IllegalArgumentException(
          source + ": not a lowrank report (expected \"format\": \"lowrank-report\")");
    }
    Reader in = new Reader(source);
    CompressionReport.Builder b =
        CompressionReport.builder()
            .setPlan(Plan.fromJson(Json.write(in.obj(m, "plan"), 0), source + ", plan"));
    Map<String, Object> model = in.obj(m, "model");
    b.optModelName(in.str(model, "name")).optModelPath(in.str(model, "path"));
    List<?> shape = in.list(model, "input_shape");
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = in.num(shape.get(i), "model.input_shape").longValue();
    }
    b.optInputShape(dims).optMethod(in.str(m, "method"));
    if (m.get("created") instanceof String c) {
      b.optCreated(c);
    }
    in.obj(m, "seeds").forEach((k, v) -> b.optSeed(k, in.num(v, "seeds." + k).longValue()));
    in.obj(m, "versions").forEach((k, v) -> b.optVersion(k, String.valueOf(v)));
    in.obj(m, "timings_seconds")
        .forEach((k, v) -> b.optTiming(k, in.num(v, "timings_seconds." + k).doubleValue()));
    Map<String, Object> totals = in.obj(m, "totals");
    b.optTotals(in.cost(totals, "before"), in.cost(totals, "after"));
    Map<String, Object> acc = in.obj(m, "accuracy");
    if (acc.containsKey("before")) {
      b.optAccuracyBefore(in.accuracy(acc, "before"));
    }
    if (acc.containsKey("after_compression")) {
      b.optAccuracyCompressed(in.accuracy(acc, "after_compression"));
    }
    if (acc.containsKey("after_finetune")) {
      b.optAccuracyFinetuned(in.accuracy(acc, "after_finetune"));
    }
    for (Object o : in.list(m, "latency")) {
      Map<String, Object> row = in.asObj(o, "latency[]");
      b.optLatency(
          new Latency(
              in.num(row.get("batch_size"), "latency[].batch_size").intValue(),
              in.num(row.get("threads"), "latency[].threads").intValue(),
              in.num(row.get("original_ms"), "latency[].original_ms").doubleValue(),
              in.num(row.get("compressed_ms"), "latency[].compressed_ms").doubleValue(),
              row.get("runs") == null ? 0 : in.num(row.get("runs"), "latency[].runs").intValue(),
              orNaN(row.get("median_spread"))));
    }
    Map<String, Object> exploration = in.obj(m, "exploration");
    b.optExplorationMetric(in.str(exploration, "metric"));
    for (Object o : in.list(exploration, "points")) {
      Map<String, Object> p = in.asObj(o, "exploration.points[]");
      b.optExplored(
          new ExploredPoint(
              in.str(p, "label"),
              in.num(p.get("params_kept"), "exploration.points[].params_kept").doubleValue(),
              in.num(p.get("flops_kept"), "exploration.points[].flops_kept").doubleValue(),
              in.num(p.get("quality"), "exploration.points[].quality").doubleValue(),
              Boolean.TRUE.equals(p.get("selected"))));
    }
    if (m.get("score_label") instanceof String s) {
      b.optScoreLabel(s);
    }
    for (Object w : in.list(m, "warnings")) {
      b.optWarning(String.valueOf(w));
    }
    if (m.get("fidelity") instanceof Map<?, ?>) {
      b.optFidelity(readFidelity(in, in.obj(m, "fidelity")));
    }
    if (m.get("pruning") instanceof Map<?, ?>) {
      b.optPruning(readPruning(in, in.obj(m, "pruning")));
    }
    return b.build();
  }

  private static Map<String, Object> cost(Cost c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("params", c.params());
    m.put("macs", c.macs());
    return m;
  }

  private static Map<String, Object> accuracy(Accuracy a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("top1", a.top1());
    if (a.hasTop5()) {
      m.put("top5", a.top5());
    }
    m.put("dataset", a.dataset());
    m.put("samples", a.samples());
    return m;
  }

  /** Typed access to a parsed tree with messages naming the file and the key. */
  private record Reader(String source) {
    IllegalArgumentException error(String key, String expected, Object found) {
      return new IllegalArgumentException(
          source
              + ": \""
              + key
              + "\" should be "
              + expected
              + ", found "
              + (found == null ? "nothing" : Json.write(found, 0)));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> asObj(Object o, String key) {
      if (o instanceof Map<?, ?> v) {
        return (Map<String, Object>) v;
      }
      throw error(key, "an object", o);
    }

    Map<String, Object> obj(Map<String, Object> m, String key) {
      return asObj(m.get(key), key);
    }

    List<?> list(Map<String, Object> m, String key) {
      if (m.get(key) instanceof List<?> v) {
        return v;
      }
      throw error(key, "an array", m.get(key));
    }

    String str(Map<String, Object> m, String key) {
      if (m.get(key) instanceof String v) {
        return v;
      }
      throw error(key, "a string", m.get(key));
    }

    Number num(Object o, String key) {
      if (o instanceof Number v) {
        return v;
      }
      throw error(key, "a number", o);
    }

    Cost cost(Map<String, Object> m, String key) {
      Map<String, Object> c = obj(m, key);
      return new Cost(
          num(c.get("params"), key + ".params").longValue(),
          num(c.get("macs"), key + ".macs").longValue());
    }

    Accuracy accuracy(Map<String, Object> m, String key) {
      Map<String, Object> a = obj(m, key);
      Object top5 = a.get("top5");
      return new Accuracy(
          num(a.get("top1"), key + ".top1").doubleValue(),
          top5 == null ? Double.NaN : num(top5, key + ".top5").doubleValue(),
          str(a, "dataset"),
          num(a.get("samples"), key + ".samples").longValue());
    }
  }
}
