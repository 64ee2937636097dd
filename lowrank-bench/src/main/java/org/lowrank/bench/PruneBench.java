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
   * ({@link #FINETUNED}), ResNet-56's at 0.75 too (over {@link #RESNET56_TRAIN_LIMIT} training
   * images).
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
            "resnet56/flops-0.75/data-",
            "resnet56/flops-0.75/prune-feature-map");
    for (Row r : List.copyOf(rows)) {
      if (finetuned.stream().anyMatch(r.id()::startsWith)) {
        rows.add(fineTuned(r));
      }
    }
    rows.add(
        new Row(
            "resnet20/flops-0.75/planned-hybrid,prune",
            "pruning planned by the budget allocator with the factorizations (L1, energy)",
            "resnet20",
            List.of("--method", "hybrid,prune", "--keep-flops", "0.75")));
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

  /** Training images of ResNet-56's fine-tune rows: 2 full epochs take ~50 min each here. */
  static final int RESNET56_TRAIN_LIMIT = 10_000;

  /**
   * The row's command plus a 2-epoch fine-tune (random crop and flip on natural images; ResNet-56
   * over its first {@link #RESNET56_TRAIN_LIMIT} training images).
   */
  static Row fineTuned(Row r) {
    List<String> ft = new ArrayList<>(List.of("--finetune-epochs", "2"));
    if (!r.model().equals(FASHION)) {
      ft.add("--augment");
    }
    if (r.model().equals("resnet56")) {
      ft.addAll(List.of("--train-limit", String.valueOf(RESNET56_TRAIN_LIMIT)));
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

  /** The with-data variants of the pivot, by id suffix, and how the block names them. */
  static final Map<String, String> METHODS =
      Map.of(
          "prune-feature-map", "prune (feature-map)",
          "data-lowrank", "low-rank",
          "data-prune-0.75-feature-map+lowrank", "prune 0.75 + low-rank");

  /** The methods compared by "does the combination beat both?": pruning, low-rank, combined. */
  static final List<String> COMPARED =
      List.of("prune-feature-map", "data-lowrank", "data-prune-0.75-feature-map+lowrank");

  /** The without-data rows, summarized on one line: id suffix and name. */
  static final Map<String, String> WITHOUT_DATA =
      Map.of(
          "prune-l1", "prune (L1)",
          "lowrank", "low-rank",
          "prune-0.75+lowrank", "prune 0.75 (L1) + low-rank",
          "planned-hybrid,prune", "prune (L1) chosen by the allocator with low-rank");

  /**
   * The RESULTS.md block: a pivot of the with-data rows (one row per model, budget and method;
   * top-1 before and after the 2-epoch fine-tune in columns), a line for the rows without data, the
   * answer to "does the combination beat both?" from the measured rows, and how to rerun a row.
   */
  static String render(Map<String, Map<String, Object>> latest) {
    MarkdownTable t =
        new MarkdownTable(
            "model",
            "MACs budget",
            "method",
            "params",
            "MACs kept",
            "top-1 original",
            "top-1 before FT",
            "top-1 after 2-ep FT",
            "b1 speed-up (wall / CPU)",
            "exit");
    List<String> answers = new ArrayList<>();
    List<String> withoutData = new ArrayList<>();
    Footnotes refusals = new Footnotes();
    for (String modelBudget : modelBudgets()) {
      String[] mb = modelBudget.split("/flops-");
      for (String method : COMPARED) {
        Map<String, Object> before = latest.get(modelBudget + "/" + method);
        Map<String, Object> after = latest.get(modelBudget + "/" + method + FINETUNED);
        if (before == null && after == null) {
          continue;
        }
        Map<String, Object> any = after != null && after.get("macs_after") != null ? after : before;
        boolean ok = any.get("macs_after") instanceof Number;
        Map<String, Object> timed = after != null && after.get("speedup_b1") != null ? after : any;
        t.add(
            mb[0],
            mb[1],
            METHODS.get(method),
            ok ? count(any.get("params_after")) + " (" + pct(ratio(any, "params")) + ")" : "",
            ok ? pct(ratio(any, "macs")) : "refused " + refusals.key(str(any.get("error"))),
            pct(any.get("top1_original")),
            before == null ? "" : pct(before.get("top1_written")),
            after == null ? "" : pct(after.get("top1_written")),
            timed.get("speedup_b1") == null
                ? str(timed.get("bench_error"))
                : fixed(timed.get("speedup_b1"), 2)
                    + "x / "
                    + fixed(timed.get("cpu_speedup_b1"), 2)
                    + "x",
            (before == null ? "-" : str(before.get("exit_code")))
                + " / "
                + (after == null ? "-" : str(after.get("exit_code"))));
      }
      String answer = answer(latest, modelBudget);
      if (!answer.isEmpty()) {
        answers.add(answer);
      }
      List<String> plain = new ArrayList<>();
      for (String id :
          List.of("prune-l1", "lowrank", "prune-0.75+lowrank", "planned-hybrid,prune")) {
        Map<String, Object> r = latest.get(modelBudget + "/" + id);
        if (r != null && r.get("top1_written") != null) {
          plain.add(WITHOUT_DATA.get(id) + " " + pct(r.get("top1_written")));
        }
      }
      if (!plain.isEmpty()) {
        withoutData.add(mb[0] + " at " + mb[1] + ": " + String.join(", ", plain));
      }
    }
    StringBuilder b =
        new StringBuilder("## Filter pruning and low-rank at the same MACs budget (issue 20)\n\n");
    b.append("Generated by `./bench prune --render-only` from `")
        .append(DATA)
        .append(
            "` (measured by `./bench prune`). Per row a `compress` command with --data: pruning by "
                + "the centered feature-map criterion with mean compensation, data-aware factors and "
                + "the refit, energy selector; then the same command with `--finetune-epochs 2` "
                + "(CIFAR-10: `--augment`; ResNet-56: over the first 10,000 training images, `--train-limit 10000`), which keeps the model as it was when no epoch beat it on 1,000 held-out training images. Top-1 of the written model in ONNX Runtime on a seeded "
                + "subset of the test split (2,000 images); speed-up = original / written median at "
                + "batch 1, one thread, interleaved, of the last model measured. Pruning keeps the "
                + "channel groups at offsets (the option-A residual spine) whole and rounds counts up "
                + "to the rank block (16, AVX-512). Exit 4: the fidelity guard (--max-drop 1 on 500 "
                + "test images) refused the model, still judged here.\n\n")
        .append(t.render());
    String refused = refusals.line("Refused");
    if (!refused.isEmpty()) {
      b.append("\n").append(refused);
    }
    if (!withoutData.isEmpty()) {
      b.append("\nWithout data (L1 criterion, weight-only factors, no fine-tuning), top-1: ")
          .append(String.join("; ", withoutData))
          .append(".\n");
    }
    if (!answers.isEmpty()) {
      b.append("\nDoes the combination beat both (top-1 at the same MACs budget)? ")
          .append(String.join(" ", answers))
          .append("\n");
    }
    return b.append(ResultsPage.rerunLine("prune", DATA)).toString();
  }

  /** "resnet20/flops-0.75" and the like, in the order of {@link #rows()}. */
  private static List<String> modelBudgets() {
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    for (Row r : rows()) {
      String[] p = r.id().split("/");
      out.add(p[0] + "/" + p[1]);
    }
    return List.copyOf(out);
  }

  /** after / before of "params" or "macs". */
  private static double ratio(Map<String, Object> r, String what) {
    return ((Number) r.get(what + "_after")).doubleValue()
        / ((Number) r.get(what + "_before")).doubleValue();
  }

  /**
   * The answer for one model and budget, from the three compared methods' top-1 after the fine-tune
   * when all three have it, else before it; "" when one of them was not measured.
   */
  static String answer(Map<String, Map<String, Object>> latest, String modelBudget) {
    for (String stage : List.of(FINETUNED, "")) {
      double[] top1 = new double[COMPARED.size()];
      boolean all = true;
      for (int i = 0; i < top1.length; i++) {
        Map<String, Object> r = latest.get(modelBudget + "/" + COMPARED.get(i) + stage);
        all &= r != null && r.get("top1_written") instanceof Number;
        top1[i] = all ? ((Number) r.get("top1_written")).doubleValue() : Double.NaN;
      }
      if (!all) {
        continue;
      }
      double prune = top1[0];
      double lowrank = top1[1];
      double both = top1[2];
      double best = Math.max(prune, lowrank);
      String[] mb = modelBudget.split("/flops-");
      return String.format(
              java.util.Locale.ROOT,
              "%s at %s of the MACs, %s: %s (combined %.2f%%, pruning %.2f%%, low-rank %.2f%%: %s%s).",
              mb[0],
              mb[1],
              stage.isEmpty() ? "before fine-tuning" : "after the 2-epoch fine-tune",
              both > best ? "yes" : "no",
              100 * both,
              100 * prune,
              100 * lowrank,
              both > best
                  ? String.format(
                      java.util.Locale.ROOT, "%+.2f points over the better", 100 * (both - best))
                  : String.format(
                      java.util.Locale.ROOT,
                      "%s alone is %.2f points better",
                      lowrank >= prune ? "low-rank" : "pruning",
                      100 * (best - both)),
              speedups(latest, modelBudget, stage))
          + (stage.isEmpty() ? fineTunedSoFar(latest, modelBudget) : "");
    }
    return "";
  }

  /**
   * " Fine-tuned so far: combined 80.10%, pruning 78.00% (low-rank not yet)." for the fine-tuned
   * rows present when not all three are; "" when none is.
   */
  private static String fineTunedSoFar(Map<String, Map<String, Object>> latest, String mb) {
    List<String> have = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String method : List.of(COMPARED.get(2), COMPARED.get(0), COMPARED.get(1))) {
      Map<String, Object> r = latest.get(mb + "/" + method + FINETUNED);
      String name = method.equals(COMPARED.get(2)) ? "combined" : ANSWER_NAMES.get(method);
      if (r != null && r.get("top1_written") instanceof Number) {
        have.add(name + " " + pct(r.get("top1_written")));
      } else {
        missing.add(name);
      }
    }
    return have.isEmpty()
        ? ""
        : " After the 2-epoch fine-tune so far: "
            + String.join(", ", have)
            + " ("
            + String.join(", ", missing)
            + " not measured).";
  }

  /** "; b1 speed-up 1.10x, 1.57x, 1.10x" in the answer's order, or "" unless all three have one. */
  private static String speedups(
      Map<String, Map<String, Object>> latest, String modelBudget, String stage) {
    List<String> out = new ArrayList<>();
    for (String method : List.of(COMPARED.get(2), COMPARED.get(0), COMPARED.get(1))) {
      Map<String, Object> r = latest.get(modelBudget + "/" + method + stage);
      if (r == null || !(r.get("speedup_b1") instanceof Number)) {
        return "";
      }
      out.add(fixed(r.get("speedup_b1"), 2) + "x");
    }
    return "; b1 speed-up " + String.join(", ", out);
  }

  /** How the answer names the two single methods. */
  private static final Map<String, String> ANSWER_NAMES =
      Map.of("prune-feature-map", "pruning", "data-lowrank", "low-rank");
}
