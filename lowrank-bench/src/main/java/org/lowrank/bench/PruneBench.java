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
import org.lowrank.bench.record.CliRun;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.MarkdownTable;
import org.lowrank.demo.DemoAssets;
import org.lowrank.demo.FashionMnist;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.DataSource;
import org.lowrank.pipeline.OrtPredictor;
import org.lowrank.progress.ProgressListener;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.ReportJson;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench prune}: filter pruning alone, low-rank factorization alone and both combined at
 * the same MACs budget (issue 20). Each row is a {@code compress} command line run in process (no
 * data, so no fine-tuning: top-1 before fine-tuning), judged in ONNX Runtime on the first {@code
 * --eval-limit} CIFAR-10 test images (seeded subset) and timed by {@code bench ORIGINAL WRITTEN} at
 * batch 1, one thread (wall and CPU ratio, interleaved). Appends one JSON line per row to {@code
 * results/prune.jsonl} and renders the latest line per row into RESULTS.md between {@code <!--
 * prune:begin -->} and {@code <!-- prune:end -->}.
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description =
        "Filter pruning vs low-rank vs both at the same MACs budget -> results/prune.jsonl")
public final class PruneBench implements Callable<Integer> {
  static final String BLOCK = "prune";
  static final Path DATA = Path.of("results", "prune.jsonl");

  /** A row: id, what it is, the model, and the options after {@code compress MODEL -o OUT}. */
  record Row(String id, String what, String model, List<String> args) {}

  @Option(names = "--shared", paramLabel = "DIR", description = "Shared data folder.")
  Path shared = Path.of("..", "shared", "data");

  @Option(names = "--work", paramLabel = "DIR", description = "Scratch folder.")
  Path work = Path.of(System.getProperty("java.io.tmpdir"), "lowrank-prune");

  @Option(
      names = "--only",
      paramLabel = "TEXT",
      description = "Only rows whose id contains TEXT (comma-separated: any of them).")
  String only;

  @Option(
      names = "--eval-limit",
      description = "Test images (seeded subset; default: ${DEFAULT-VALUE}).")
  int evalLimit = 2000;

  @Option(names = "--runs", description = "Timed runs of bench (default: ${DEFAULT-VALUE}).")
  int runs = 30;

  @Mixin RenderOptions page = new RenderOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The CIFAR-10 archive, relative to the worktree (as the commands show it). */
  static final String CIFAR = "../shared/data/cifar10/cifar10-jpeg.zip";

  /** The model name of DemoAssets' trained Fashion-MNIST CNN. */
  static final String FASHION = "fashion-cnn";

  /** Suffix of a row's fine-tuned variant: the same command plus a 2-epoch fine-tune. */
  static final String FINETUNED = "/ft2";

  /**
   * The rows: per model and MACs budget, prune alone, low-rank alone, prune then low-rank, without
   * data (L1, weight-only factors) and with data (feature-map criterion, data-aware factors); the
   * with-data rows of ResNet-20 at 0.75 and of the Fashion-MNIST CNN also fine-tuned for 2 epochs
   * ({@link #FINETUNED}), ResNet-56's combined and low-rank ones too.
   */
  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (String model : List.of("resnet20", "resnet56")) {
      for (String f : List.of("0.75", "0.6")) {
        String base = model + "/flops-" + f + "/";
        rows.add(
            new Row(
                base + "prune-l1",
                "filter pruning alone (L1), fraction chosen for the budget",
                model,
                List.of("--method", "prune", "--keep-flops", f)));
        rows.add(
            new Row(
                base + "lowrank",
                "low-rank alone (hybrid, energy)",
                model,
                List.of("--keep-flops", f)));
        rows.add(
            new Row(
                base + "prune-0.75+lowrank",
                "prune a quarter of each group (L1), then low-rank to the budget",
                model,
                List.of("--prune-keep", "0.75", "--keep-flops", f)));
        rows.addAll(dataRows(model, f, CIFAR_DATA));
      }
    }
    rows.addAll(dataRows(FASHION, "0.75", FASHION_DATA));
    List<String> finetuned =
        List.of(
            "resnet20/flops-0.75/data-",
            "resnet20/flops-0.75/prune-feature-map",
            FASHION + "/",
            "resnet56/flops-0.75/data-");
    for (Row r : List.copyOf(rows)) {
      if (finetuned.stream().anyMatch(r.id()::startsWith)) {
        rows.add(fineTuned(r));
      }
    }
    return rows;
  }

  /** --data options of the CIFAR-10 rows (--eval-limit: the fidelity guard's test images). */
  static final List<String> CIFAR_DATA =
      List.of("--data", CIFAR, "--normalize", "imagenet", "--eval-limit", "500");

  /** --data options of the Fashion-MNIST rows: the demo model's normalization. */
  static final List<String> FASHION_DATA =
      List.of(
          "--data",
          org.lowrank.demo.FashionMnist.DEFAULT_DIRECTORY,
          "--normalize",
          "0.2860/0.3530",
          "--eval-limit",
          "500");

  /** The three with-data rows of one model and budget. */
  private static List<Row> dataRows(String model, String f, List<String> data) {
    String base = model + "/flops-" + f + "/";
    List<String> energyData = concat(data, List.of("--selector", "energy"));
    return List.of(
        new Row(
            base + "prune-feature-map",
            "with data: filter pruning alone, centered feature-map criterion, mean-compensated",
            model,
            concat(
                List.of("--method", "prune", "--keep-flops", f, "--prune-criterion", "feature-map"),
                energyData)),
        new Row(
            base + "data-lowrank",
            "with data: low-rank alone (hybrid, energy, data-aware factors, refit)",
            model,
            concat(List.of("--keep-flops", f), energyData)),
        new Row(
            base + "data-prune-0.75-feature-map+lowrank",
            "with data: prune a quarter (feature-map, compensated), then low-rank to the budget",
            model,
            concat(
                List.of(
                    "--prune-keep", "0.75", "--prune-criterion", "feature-map", "--keep-flops", f),
                energyData)));
  }

  /** The row's command plus a 2-epoch fine-tune (random crop and flip on natural images). */
  static Row fineTuned(Row r) {
    List<String> ft = new ArrayList<>(List.of("--finetune-epochs", "2"));
    if (!r.model().equals(FASHION)) {
      ft.add("--augment");
    }
    return new Row(
        r.id() + FINETUNED,
        r.what() + ", then fine-tuned for 2 epochs",
        r.model(),
        concat(r.args(), ft));
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** True when {@code --only} is unset or one of its comma-separated texts is in the id. */
  private boolean selected(String id) {
    return only == null || java.util.Arrays.stream(only.split(",")).anyMatch(id::contains);
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    ResultLog log = new ResultLog(DATA);
    ResultLog.provenance();
    if (!page.renderOnly) {
      Files.createDirectories(work);
      for (Row row : rows()) {
        if (!selected(row.id())) {
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
    spec.commandLine().getOut().println("rendered " + page.results + " from " + DATA);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private Path modelFile(String model) throws IOException {
    return model.equals(FASHION)
        ? DemoAssets.trainedFashionCnn(DemoAssets.defaultCacheDir(), ProgressListener.NONE).file()
        : shared.resolve("models/" + model + "_cifar10/model.onnx");
  }

  /** The labelled test images the written model is judged on. */
  private DataSource testData(String model) {
    return model.equals(FASHION)
        ? new DataSource(FashionMnist.directory(), FashionMnist.NORMALIZATION)
        : new DataSource(shared.resolve("cifar10/cifar10-jpeg.zip"), Normalization.imagenet());
  }

  Map<String, Object> measure(Row row) throws IOException {
    Path model = modelFile(row.model());
    Path out = work.resolve(row.id().replace('/', '_') + ".onnx");
    Files.deleteIfExists(out);
    Files.deleteIfExists(CompressionPipeline.rejectedPath(out));
    List<String> cmd = new ArrayList<>(List.of("compress", model.toString(), "-o", out.toString()));
    cmd.addAll(row.args());
    cmd.addAll(List.of("--threads", "1", "--no-latency"));
    CliRun run = CliRun.of(cmd);
    Map<Path, String> labels = new LinkedHashMap<>();
    labels.put(out, "OUT.onnx");
    labels.put(shared, "../shared/data");
    if (row.model().equals(FASHION)) {
      labels.put(model, "FASHION_CNN.onnx");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", row.id());
    m.put("what", row.what());
    m.put("command", run.shown(labels));
    m.put("exit_code", run.exitCode());
    m.put("seconds", run.seconds());
    Path written = Files.exists(out) ? out : CompressionPipeline.rejectedPath(out);
    Path reportFile = CompressionPipeline.sibling(written, ".report.json");
    if (!Files.exists(written) || !Files.exists(reportFile)) {
      m.put("error", CliRun.scrub(run.message(), labels));
      m.putAll(ResultLog.provenance());
      return m;
    }
    CompressionReport r = ReportJson.read(Files.readString(reportFile), reportFile.toString());
    m.put("params_before", r.totalBefore().params());
    m.put("params_after", r.totalAfter().params());
    m.put("macs_before", r.totalBefore().macs());
    m.put("macs_after", r.totalAfter().macs());
    m.put("factorized_layers", r.factorizedLayerCount());
    r.accuracyCompressed().ifPresent(a -> m.put("report_top1_compressed", a.top1()));
    r.accuracyFinetuned().ifPresent(a -> m.put("report_top1_finetuned", a.top1()));
    r.accuracyCompressed().ifPresent(a -> m.put("report_eval_images", a.samples()));
    Object prunedKeep = r.plan().settings().get("prune_keep");
    if (prunedKeep != null) {
      m.put("prune_keep", prunedKeep);
    }
    DataSource test = testData(row.model());
    try (ImageDataset all = test.open("test", r.inputShape());
        OrtRunner orig = OrtRunner.open(model, RuntimeOptions.singleThreaded());
        OrtRunner comp = OrtRunner.open(written, RuntimeOptions.singleThreaded())) {
      ImageDataset ds = evalLimit > 0 ? Datasets.limit(all, evalLimit, 42) : all;
      DataLoader loader =
          DataLoader.builder(ds).setBatchSize(100).optNormalization(test.normalization()).build();
      EvaluationResult a = Evaluator.evaluate(new OrtPredictor(orig), loader);
      EvaluationResult b = Evaluator.evaluate(new OrtPredictor(comp), loader);
      m.put("test_images", a.examples());
      m.put("top1_original", a.top1());
      m.put("top1_written", b.top1());
    }
    CliRun bench =
        CliRun.of(
            List.of(
                "bench",
                model.toString(),
                written.toString(),
                "--latency-batches",
                "1",
                "--latency-runs",
                Integer.toString(runs),
                "--latency-warmup",
                "5",
                "--threads",
                "1"));
    Matcher x = RealBench.BENCH_ROW.matcher(bench.stdout());
    if (bench.exitCode() == 0 && x.find()) {
      m.put("original_ms", Double.parseDouble(x.group(3)));
      m.put("written_ms", Double.parseDouble(x.group(5)));
      m.put("speedup_b1", Double.parseDouble(x.group(7)));
      m.put("cpu_speedup_b1", Double.parseDouble(x.group(8)));
    } else {
      m.put("bench_error", CliRun.scrub(bench.message(), labels));
    }
    m.put("bench_command", bench.shown(labels).replace(written.toString(), "OUT.onnx"));
    m.putAll(ResultLog.provenance());
    return m;
  }

  /** The RESULTS.md block: one table, then how to rerun a row. */
  static String render(Map<String, Map<String, Object>> latest) {
    MarkdownTable t =
        new MarkdownTable(
            "row",
            "exit",
            "params",
            "MACs",
            "MACs kept",
            "layers factorized",
            "top-1 original",
            "top-1 (no fine-tune)",
            "b1 speedup (wall)",
            "b1 speedup (CPU)",
            "git");
    for (Map<String, Object> r : latest.values()) {
      boolean ok = r.get("macs_after") instanceof Number;
      double kept =
          ok
              ? ((Number) r.get("macs_after")).doubleValue()
                  / ((Number) r.get("macs_before")).doubleValue()
              : Double.NaN;
      t.add(
          str(r.get("id")),
          str(r.get("exit_code")),
          ok ? count(r.get("params_before")) + " -> " + count(r.get("params_after")) : "",
          ok ? count(r.get("macs_before")) + " -> " + count(r.get("macs_after")) : "",
          ok ? pct(kept) : str(r.get("error")),
          str(r.get("factorized_layers")),
          pct(r.get("top1_original")),
          pct(r.get("top1_written")),
          r.get("speedup_b1") == null
              ? str(r.get("bench_error"))
              : fixed(r.get("speedup_b1"), 2) + "x",
          r.get("cpu_speedup_b1") == null ? "" : fixed(r.get("cpu_speedup_b1"), 2) + "x",
          str(r.get("git")));
    }
    return "## Filter pruning and low-rank at the same MACs budget (issue 20)\n\n"
        + "Generated by `./bench prune --render-only` from `"
        + DATA
        + "` (measured by `./bench prune`). Per row a `compress` command without fine-tuning (energy "
        + "selector; without data except the prune-feature-map and data-* rows, where --data gives the "
        + "feature maps and mean compensation of pruning, data-aware factors and the refit), the written model judged in ONNX Runtime on a seeded subset of "
        + "the CIFAR-10 JPEG test split (top-1 before fine-tuning) and timed by `bench` at batch 1, one "
        + "thread, original and written interleaved (speedup = original / written median; CPU = "
        + "process CPU time ratio). Pruning keeps whole channel groups at offsets (the residual spine "
        + "of the option-A ResNets) and rounds channel counts up to the rank block (16 here, AVX-512), "
        + "so it prunes the inner channels of each basic block. Exit 4 = the fidelity guard refused "
        + "the model (written as OUT.rejected.onnx and still judged).\n\n"
        + t.render()
        + ResultsPage.rerunLine("prune", DATA);
  }
}
