package org.lowrank.bench;

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
import org.lowrank.analysis.InputShapes;
import org.lowrank.bench.record.Cells;
import org.lowrank.bench.record.CliRun;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.MarkdownTable;
import org.lowrank.demo.DemoAssets;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.progress.ProgressListener;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.ReportJson;
import org.lowrank.runtime.LatencyBenchmark;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench speed}: does {@code compress} make models faster, and what does each latency
 * option buy? Runs the CLI's {@code compress} as a user would (each row is a command line), then
 * times the written model against the original in ONNX Runtime, side by side (one run of each in
 * turn, 1 intra-op thread, spinning off) at batch 1 and 32, CPU time of the calling thread and wall
 * time. Appends one JSON line per row to {@code results/speed.jsonl} and renders the latest line
 * per row into RESULTS.md between {@code <!-- speed:begin -->} and {@code <!-- speed:end -->}.
 * Rows: (a) one plan at rank multiples 1 / 8 / 16 / auto; (b) {@code --keep-latency 0.5} on the
 * ResNets with top-1 on the test split after compression; (c) {@code --keep-latency} with {@code
 * --include-pointwise} on the demo model and a 1x1-heavy model.
 */
@Command(
    name = "speed",
    mixinStandardHelpOptions = true,
    description =
        "Speed-ups of compress (rank multiples, --keep-latency) measured side by side -> "
            + "results/speed.jsonl and its RESULTS.md block.")
public final class SpeedBench implements Callable<Integer> {
  static final String BLOCK = "speed";
  static final Path DATA = Path.of("results", "speed.jsonl");
  static final int[] BATCHES = {1, 32};

  /** A row: id, what it shows, model, the compress options after MODEL -o OUT. */
  record Row(String id, String what, Path model, List<String> args, String inputShape) {}

  @Option(names = "--only", paramLabel = "TEXT", description = "Only rows whose id contains TEXT.")
  String only;

  @Option(
      names = "--shared",
      paramLabel = "DIR",
      description = "Shared data folder (default: ${DEFAULT-VALUE}).")
  Path shared = Path.of("..", "shared", "data");

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description = "Installed models (default: $LOWRANK_MODELS, else ~/.cache/lowrank/models).")
  Path models;

  @Option(names = "--work", paramLabel = "DIR", description = "Scratch folder.")
  Path work = Path.of(System.getProperty("java.io.tmpdir"), "lowrank-speed");

  @Option(
      names = "--eval-limit",
      paramLabel = "N",
      description = "Test images for top-1 in (b) (default: ${DEFAULT-VALUE}).")
  int evalLimit = 2000;

  @Mixin RenderOptions page = new RenderOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  List<Row> rows() throws IOException {
    Path r20 = shared.resolve("models/resnet20_cifar10/model.onnx");
    Path r56 = shared.resolve("models/resnet56_cifar10/model.onnx");
    Path cifar = shared.resolve("cifar10/cifar10-jpeg.zip");
    List<String> plan =
        List.of("--selector", "energy", "--method", "cp", "--keep-params", "0.22", "--force");
    List<Row> rows = new ArrayList<>();
    for (String k : List.of("1", "8", "16", "auto")) {
      List<String> a = new ArrayList<>(plan);
      a.addAll(List.of("--rank-multiple", k, "--no-latency"));
      rows.add(new Row("a/resnet20-rm" + k, "same plan, --rank-multiple " + k, r20, a, null));
    }
    for (Map.Entry<String, Path> e : Map.of("resnet20", r20, "resnet56", r56).entrySet()) {
      List<String> b = new ArrayList<>(plan);
      b.addAll(
          List.of(
              "--keep-latency",
              "0.5",
              "--latency-batches",
              "1,32",
              "--data",
              cifar.toString(),
              "--normalize",
              "imagenet",
              "--eval-limit",
              String.valueOf(evalLimit)));
      rows.add(
          new Row(
              "b/" + e.getKey() + "-kl05",
              "--keep-latency 0.5 with --keep-params 0.22, top-1 after compression",
              e.getValue(),
              b,
              null));
    }
    for (Map.Entry<String, Path> e : Map.of("resnet20", r20, "resnet56", r56).entrySet()) {
      String base = "b/" + e.getKey() + "-kl05";
      List<String> tuned =
          new ArrayList<>(
              rows.stream().filter(r -> r.id().equals(base)).findFirst().orElseThrow().args());
      tuned.addAll(List.of("--finetune-epochs", "2", "--augment"));
      rows.add(
          new Row(
              "d/" + e.getKey() + "-kl05-ft2",
              "--keep-latency 0.5 with --keep-params 0.22, then the 2-epoch fine-tune",
              e.getValue(),
              tuned,
              null));
    }
    rows.sort(java.util.Comparator.comparing(Row::id));
    if (only == null || only.contains("fashion") || "c/fashion-cnn-kl05".contains(only)) {
      Path fashion =
          DemoAssets.trainedFashionCnn(DemoAssets.defaultCacheDir(), ProgressListener.NONE).file();
      rows.add(
          new Row(
              "c/fashion-cnn-kl05",
              "demo model, --keep-latency 0.5 --include-pointwise",
              fashion,
              List.of("--keep-latency", "0.5", "--include-pointwise", "--force", "--no-latency"),
              null));
    }
    Path dir =
        models != null
            ? models
            : System.getenv("LOWRANK_MODELS") != null
                ? Path.of(System.getenv("LOWRANK_MODELS"))
                : Path.of(System.getProperty("user.home"), ".cache", "lowrank", "models");
    rows.add(
        new Row(
            "c/ppocr-v4-rec-kl07",
            "1x1-heavy PP-OCRv4 recognizer, --keep-latency 0.7 --include-pointwise",
            dir.resolve("ppocr-v4-rec.onnx"),
            List.of(
                "--keep-latency",
                "0.7",
                "--include-pointwise",
                "--input-shape",
                "1,3,48,320",
                "--force",
                "--no-latency"),
            "1,3,48,320"));
    return rows;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ResultLog log = new ResultLog(DATA);
    if (!page.renderOnly) {
      Files.createDirectories(work);
      for (Row row : rows()) {
        if (only != null && !row.id().contains(only)) {
          continue;
        }
        if (!Files.isRegularFile(row.model())) {
          err.println("== " + row.id() + ": skipped, no model " + row.model());
          continue;
        }
        err.println("== " + row.id());
        err.flush();
        Map<String, Object> line = measure(row);
        err.println(Json.write(line, 0));
        err.flush();
        log.append(line);
      }
    }
    page.write(BLOCK, render(log.latest()));
    out.println("rendered " + page.results + " from " + DATA);
    return 0;
  }

  /** Runs the row's command, then times what it wrote against the original. */
  Map<String, Object> measure(Row row) throws IOException {
    Path out = work.resolve(row.id().replace('/', '_') + ".onnx");
    List<String> cmd =
        new ArrayList<>(List.of("compress", row.model().toString(), "-o", out.toString()));
    cmd.addAll(row.args());
    cmd.addAll(List.of("--threads", "1"));
    CliRun run = CliRun.of(cmd);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", row.id());
    m.put("what", row.what());
    Map<Path, String> labels = new LinkedHashMap<>();
    labels.put(out, "OUT.onnx");
    labels.put(shared.toAbsolutePath().normalize(), "../shared/data");
    m.put("command", run.shown(labels));
    m.put("exit_code", run.exitCode());
    m.put("seconds", run.seconds());
    Path written = Files.exists(out) ? out : CompressionPipeline.rejectedPath(out);
    Path reportFile = CompressionPipeline.sibling(written, ".report.json");
    if (!Files.exists(written) || !Files.exists(reportFile)) {
      m.put("error", run.message());
      return m;
    }
    CompressionReport r = ReportJson.read(Files.readString(reportFile), reportFile.toString());
    m.put("params_removed", r.paramsRemovedFraction());
    m.put("flops_removed", r.flopsRemovedFraction());
    m.put("factorized_layers", r.factorizedLayerCount());
    r.accuracyBefore().ifPresent(a -> m.put("top1_original", a.top1()));
    r.accuracyCompressed().ifPresent(a -> m.put("top1_compressed", a.top1()));
    r.accuracyFinetuned().ifPresent(a -> m.put("top1_finetuned", a.top1()));
    r.accuracyBefore().ifPresent(a -> m.put("test_images", a.samples()));
    Model original = OnnxReader.read(row.model());
    InputShapes shapes =
        InputShapes.resolve(
            row.model().toString(),
            original.graph().runtimeInputs(),
            row.inputShape() == null
                ? Map.of()
                : InputShapes.parse(List.of(row.inputShape()), original.graph().runtimeInputs()));
    int[] batches = shapes.batches(BATCHES);
    LatencyComparison c =
        LatencyBenchmark.compare(
            row.id(),
            Files.readAllBytes(row.model()),
            Files.readAllBytes(written),
            1.0 - r.flopsRemovedFraction(),
            shapes,
            batches,
            LatencyBenchmark.Settings.defaults()
                .withThreads(1)
                .withRuns(10, 60)
                .withMaxSeconds(60));
    for (LatencyComparison.Row x : c.rows()) {
      String b = "b" + x.batchSize();
      m.put("speedup_cpu_" + b, x.cpuSpeedup());
      m.put("speedup_wall_" + b, x.speedup());
      m.put("original_ms_" + b, x.original().medianMillis());
      m.put("spread_" + b, x.spread());
    }
    m.putAll(ResultLog.provenance());
    return m;
  }

  private static String x(Object v) {
    return v instanceof Number ? Cells.fixed(v, 2) + "x" : "";
  }

  /** The speed block: a table of the latest line per row, then how to rerun a row. */
  static String render(Map<String, Map<String, Object>> latest) {
    MarkdownTable table =
        new MarkdownTable(
            "row",
            "what",
            "exit",
            "params removed",
            "FLOPs removed",
            "b1 CPU",
            "b1 wall",
            "b32 CPU",
            "b32 wall",
            "top-1 original / compressed / fine-tuned (images)",
            "git");
    for (Map<String, Object> m : latest.values()) {
      table.add(
          str(m.get("id")),
          str(m.get("what")),
          str(m.get("exit_code")),
          pct(m.get("params_removed")),
          pct(m.get("flops_removed")),
          x(m.get("speedup_cpu_b1")),
          x(m.get("speedup_wall_b1")),
          x(m.get("speedup_cpu_b32")),
          x(m.get("speedup_wall_b32")),
          m.get("top1_compressed") == null
              ? ""
              : pct(m.get("top1_original"))
                  + " / "
                  + pct(m.get("top1_compressed"))
                  + (m.get("top1_finetuned") == null ? "" : " / " + pct(m.get("top1_finetuned")))
                  + " ("
                  + str(m.get("test_images"))
                  + ")",
          str(m.get("git")));
    }
    StringBuilder t =
        new StringBuilder(
            "## Speed: what `compress` buys in ONNX Runtime\n\nGenerated by `./bench speed"
                + " --render-only` from `"
                + DATA
                + "` (measured by `./bench speed`). Speed-up = original / written median time, the"
                + " two models timed side by side (one run of each in turn) in ONNX Runtime, 1"
                + " intra-op thread, after compress wrote the model; CPU = the calling thread's CPU"
                + " time, wall = elapsed time (noisier on a shared machine). Rows a: one plan at"
                + " four rank multiples (what alignment to ONNX Runtime's channel block buys);"
                + " b: --keep-latency 0.5, top-1 on the test images directly after compression (no"
                + " fine-tuning); c: --keep-latency with --include-pointwise on the demo model and a"
                + " 1x1-heavy model; d: the b rows, then the 2-epoch fine-tune (--augment).\n\n");
    t.append(table.render());
    t.append(ResultsPage.rerunLine("speed", DATA));
    return t.toString();
  }
}
