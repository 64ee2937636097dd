package org.lowrank.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.analysis.SkipRule;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.onnx.OnnxFormatException;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.util.Text;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowrank inspect MODEL.onnx [--json] [--input-shape 1,3,32,32]}: the per-layer profile of a
 * model (stages 1-2: read, analyze). Prints a table or JSON on stdout; errors are one line on
 * stderr. Exit codes: 0 ok, 2 bad input (unreadable or malformed model, bad option), 3 unsupported
 * model. The layer rules ({@link LayerRuleOptions}) are those of plan and compress.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Print the per-layer profile of an ONNX model: shapes, parameters, MACs (per sample) and the",
      "factorization methods that apply to each Conv/ConvTranspose/Gemm/MatMul layer, or why it is skipped."
    })
public final class InspectCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The model to inspect.")
  Path model;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @CommandLine.Mixin InputShapeOptions inputShapes;

  @Mixin LayerRuleOptions layers;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      ProfileOptions rules = layers.rules();
      Model m = OnnxReader.read(model);
      org.lowrank.pipeline.FiniteWeights.require(m, model);
      Map<String, long[]> shapes = inputShapes.given(m);
      ModelProfile p;
      try {
        p = ModelProfile.of(m, shapes, rules);
      } catch (ModelException e) {
        throw located(e);
      }
      rules.requireKnownLayers(p, model);
      if (json) {
        out.println(toJson(m, p));
      } else {
        printTable(out, m, p);
      }
      out.flush();
      return ExitCodes.OK;
    } catch (IOException | OnnxFormatException | ModelException | IllegalArgumentException e) {
      return fail(err, e, ExitCodes.of(e));
    }
  }

  /** Prefixes the model file to an analysis error (the reader's errors already name it). */
  private ModelException located(ModelException e) {
    String msg = model + ": " + e.getMessage();
    if (e instanceof UnsupportedModelException) {
      return new UnsupportedModelException(msg, e);
    }
    return new ModelException(msg, e);
  }

  private int fail(PrintWriter err, Exception e, int code) {
    err.println("lowrank inspect: " + Text.printable(String.valueOf(e.getMessage()), true));
    CommandLine.ParseResult pr = spec.commandLine().getParseResult();
    if (pr != null && pr.hasMatchedOption("--stacktrace")) {
      e.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  private static String shape(long[] d) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < d.length; i++) {
      sb.append(i == 0 ? "" : "x").append(d[i]);
    }
    return sb.toString();
  }

  /** Compact conv window: "s2 p1" (+ " d2" dilation, " g4" groups when not 1); "-" for dense. */
  private static String window(LayerProfile l) {
    if (!l.isConv()) {
      return "-";
    }
    StringBuilder sb =
        new StringBuilder("s").append(compact(l.strides())).append(" p").append(compact(l.pads()));
    if (Arrays.stream(l.dilations()).anyMatch(d -> d != 1)) {
      sb.append(" d").append(compact(l.dilations()));
    }
    if (l.groups() != 1) {
      sb.append(" g").append(l.groups());
    }
    return sb.toString();
  }

  /** "1" when all values are equal, else "1,2,1,2". */
  private static String compact(long[] v) {
    if (v.length > 0 && Arrays.stream(v).allMatch(x -> x == v[0])) {
      return Long.toString(v[0]);
    }
    return String.join(",", Arrays.stream(v).mapToObj(Long::toString).toList());
  }

  private static String num(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  private static String methods(LayerProfile l) {
    if (!l.isFactorizable()) {
      return "skip: " + l.skipReason();
    }
    return String.join(",", l.methods().stream().map(Method::cliName).toList());
  }

  private void printTable(PrintWriter out, Model m, ModelProfile p) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "layer",
          "op",
          "kind",
          "weight shape",
          "stride/pad",
          "output shape",
          "params",
          "MACs",
          "methods / skip reason"
        });
    for (LayerProfile l : p.layers()) {
      rows.add(
          new String[] {
            Text.printable(l.name()),
            Text.printable(l.opType()),
            l.kind(),
            shape(l.weightShape()),
            window(l),
            shape(l.outputShape()),
            num(l.params()),
            num(l.macs()),
            methods(l)
          });
    }
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int c = 0; c < cols; c++) {
        w[c] = Math.max(w[c], r[c].length());
      }
    }
    StringBuilder header = new StringBuilder();
    header
        .append("model ")
        .append(model.getFileName())
        .append("  opset ")
        .append(m.opset())
        .append("  producer ")
        .append(m.producerName().isEmpty() ? "?" : Text.printable(m.producerName()));
    p.inputShapes()
        .forEach(
            (k, v) ->
                header.append("  input ").append(Text.printable(k)).append(' ').append(shape(v)));
    out.println(header);
    out.println();
    for (int i = 0; i < rows.size(); i++) {
      String[] r = rows.get(i);
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < cols; c++) {
        boolean numeric = c == 6 || c == 7;
        String cell =
            numeric ? pad(r[c], w[c], true) : (c == cols - 1 ? r[c] : pad(r[c], w[c], false));
        sb.append(cell).append(c == cols - 1 ? "" : "  ");
      }
      out.println(sb.toString().stripTrailing());
      if (i == 0) {
        int total = Arrays.stream(w).sum() + 2 * (cols - 1);
        out.println("-".repeat(total));
      }
    }
    long fact = p.layers().stream().filter(LayerProfile::isFactorizable).count();
    out.println();
    out.printf(
        Locale.ROOT,
        "total: %s params, %s MACs per sample; %d layers, %d factorizable (%s params, %s MACs)%n",
        num(p.totalParams()),
        num(p.totalMacs()),
        p.layers().size(),
        fact,
        num(p.factorizableParams()),
        num(p.factorizableMacs()));
    Map<SkipRule, Long> skipped = SkipRule.counts(p.layers());
    if (!skipped.isEmpty()) {
      out.println(SkipRule.summary(skipped));
    }
  }

  private static String pad(String s, int width, boolean right) {
    if (s.length() >= width) {
      return s;
    }
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }

  private String toJson(Model m, ModelProfile p) throws IOException {
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = om.createObjectNode();
    root.put("model", model.toString());
    root.put("opset", m.opset());
    root.put("producer", m.producerName());
    ObjectNode ins = root.putObject("inputShapes");
    p.inputShapes().forEach((k, v) -> longs(ins.putArray(k), v));
    ArrayNode layers = root.putArray("layers");
    for (LayerProfile l : p.layers()) {
      ObjectNode o = layers.addObject();
      o.put("name", l.name());
      o.put("op", l.opType());
      o.put("kind", l.kind());
      o.put("weightName", l.weightName());
      longs(o.putArray("weightShape"), l.weightShape());
      o.put("hasBias", l.hasBias());
      if (l.isConv()) {
        longs(o.putArray("strides"), l.strides());
        longs(o.putArray("pads"), l.pads());
        longs(o.putArray("dilations"), l.dilations());
        o.put("groups", l.groups());
      }
      longs(o.putArray("inputShape"), l.inputShape());
      longs(o.putArray("outputShape"), l.outputShape());
      o.put("params", l.params());
      o.put("macs", l.macs());
      ArrayNode ms = o.putArray("methods");
      l.methods().forEach(x -> ms.add(x.cliName()));
      if (l.isFactorizable()) {
        o.putNull("skipReason");
      } else {
        o.put("skipReason", l.skipReason());
        o.put("skipRule", l.skipRule().name().toLowerCase(Locale.ROOT));
      }
      if (!l.methodNotes().isEmpty()) {
        ObjectNode notes = o.putObject("methodNotes");
        l.methodNotes().forEach((k, v) -> notes.put(k.cliName(), v));
      }
    }
    ObjectNode t = root.putObject("totals");
    t.put("params", p.totalParams());
    t.put("macs", p.totalMacs());
    t.put("layers", p.layers().size());
    t.put("factorizableLayers", p.layers().stream().filter(LayerProfile::isFactorizable).count());
    t.put("factorizableParams", p.factorizableParams());
    t.put("factorizableMacs", p.factorizableMacs());
    return om.writeValueAsString(root);
  }

  private static void longs(ArrayNode a, long[] v) {
    for (long x : v) {
      a.add(x);
    }
  }
}
