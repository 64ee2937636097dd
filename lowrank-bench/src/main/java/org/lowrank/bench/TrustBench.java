package org.lowrank.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank.cli.Main;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.pipeline.DataSource;
import org.lowrank.pipeline.OrtPredictor;
import org.lowrank.pipeline.demo.DemoAssets;
import org.lowrank.pipeline.demo.FashionMnist;
import org.lowrank.progress.ProgressListener;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.ReportJson;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.eval.AgreementResult;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.util.AtomicFiles;
import org.lowrank.util.Json;

/**
 * {@code ./bench trust}: can a user trust what {@code compress} wrote? Runs the CLI's {@code
 * compress} exactly as a user would (each row is a command line), then measures the written model
 * (OUT.onnx, or OUT.rejected.onnx when the guard refused it) against the original in ONNX Runtime
 * on the labelled test split: top-1 of both and top-1 agreement. Appends one JSON line per row to
 * {@code results/trust.jsonl} and renders the latest line per row into RESULTS.md between the
 * markers {@value #BEGIN} and {@value #END}.
 *
 * <pre>
 * ./bench trust [--only ID] [--shared DIR] [--limit N] [--work DIR]   measure and render
 * ./bench trust --render-only                                      render from the recorded lines
 * </pre>
 */
public final class TrustBench {
  static final String BEGIN = "<!-- trust:begin -->";
  static final String END = "<!-- trust:end -->";
  static final Path DATA = Path.of("results", "trust.jsonl");

  /**
   * One measured row: a {@code compress} command line ({@code MODEL} and {@code OUT} stand for the
   * paths) and the labelled data to judge its output on.
   */
  record Row(String id, String what, Path model, List<String> args, DataSource judge) {}

  private TrustBench() {}

  static List<Row> rows(Path shared, Path fashion) {
    Path r20 = shared.resolve("models/resnet20_cifar10/model.onnx");
    Path r56 = shared.resolve("models/resnet56_cifar10/model.onnx");
    Path cifar = shared.resolve("cifar10/cifar10-jpeg.zip");
    DataSource cifarTest = new DataSource(cifar, Normalization.imagenet());
    DataSource fashionTest = new DataSource(FashionMnist.directory(), FashionMnist.NORMALIZATION);
    List<String> withData = List.of("--data", cifar.toString(), "--normalize", "imagenet");
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("default/resnet20", "defaults, no data", r20, List.of(), cifarTest));
    rows.add(new Row("default/resnet56", "defaults, no data", r56, List.of(), cifarTest));
    if (fashion != null) {
      rows.add(new Row("default/fashion-cnn", "defaults, no data", fashion, List.of(), fashionTest));
    }
    List<String> cp30 = new ArrayList<>(withData);
    cp30.addAll(List.of("--method", "cp", "--keep-params", "0.3", "--finetune-epochs", "1",
        "--train-limit", "5000", "--eval-limit", "2000", "--no-latency"));
    rows.add(new Row("finetune/resnet56-cp30", "CP at 30% of the parameters, similarity, "
        + "default fine-tuning (1 epoch of 5000 images)", r56, cp30, cifarTest));
    return rows;
  }

  public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Path shared = Path.of("..", "shared", "data");
    Path work = Path.of(System.getProperty("java.io.tmpdir"), "lowrank-trust");
    Path results = Path.of("RESULTS.md");
    String only = null;
    int limit = 0;
    boolean measure = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--only" -> only = args[++i];
        case "--shared" -> shared = Path.of(args[++i]);
        case "--work" -> work = Path.of(args[++i]);
        case "--limit" -> limit = Integer.parseInt(args[++i]);
        case "--results" -> results = Path.of(args[++i]);
        case "--render-only" -> measure = false;
        default -> {
          err.println("bench trust: unknown option '" + args[i] + "'; options: --only ID, --shared DIR, "
              + "--work DIR, --limit N (test images, 0 = all), --results FILE, --render-only");
          return 2;
        }
      }
    }
    if (measure) {
      Files.createDirectories(work);
      Path fashion = null;
      if (only == null || "default/fashion-cnn".contains(only) || only.contains("fashion")) {
        fashion = DemoAssets.trainedFashionCnn(DemoAssets.defaultCacheDir(), ProgressListener.NONE)
            .file();
      }
      for (Row row : rows(shared, fashion)) {
        if (only != null && !row.id().contains(only)) {
          continue;
        }
        err.println("== " + row.id());
        Map<String, Object> line = measure(row, work, limit);
        err.println(Json.write(line, 0));
        Files.createDirectories(DATA.getParent());
        Files.writeString(DATA, Json.write(line, 0) + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    }
    render(results);
    out.println("rendered " + results + " from " + DATA);
    return 0;
  }

  /** Runs the row's command, then judges what it wrote. */
  static Map<String, Object> measure(Row row, Path work, int limit) throws IOException {
    Path out = work.resolve(row.id().replace('/', '_') + ".onnx");
    List<String> cmd = new ArrayList<>(List.of("compress", row.model().toString(), "-o", out.toString()));
    cmd.addAll(row.args());
    StringWriter so = new StringWriter();
    StringWriter se = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(so));
    cl.setErr(new PrintWriter(se));
    long t0 = System.nanoTime();
    int code = cl.execute(cmd.toArray(String[]::new));
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", row.id());
    m.put("what", row.what());
    m.put("command", shown(cmd, out));
    m.put("exit_code", code);
    m.put("seconds", seconds);
    Path written = Files.exists(out) ? out : CompressionPipeline.rejectedPath(out);
    Path reportFile = CompressionPipeline.sibling(written, ".report.json");
    if (!Files.exists(written) || !Files.exists(reportFile)) {
      m.put("error", (so + se.toString()).strip());
      return m;
    }
    CompressionReport r = ReportJson.read(Files.readString(reportFile), reportFile.toString());
    m.put("written", written.getFileName().toString());
    m.put("params_removed", r.paramsRemovedFraction());
    m.put("flops_removed", r.flopsRemovedFraction());
    m.put("factorized_layers", r.factorizedLayerCount());
    r.fidelity().ifPresent(f -> {
      m.put("guard_passed", f.passed());
      m.put("guard_inputs", f.inputs());
      m.put("guard_agreement", f.top1Agreement());
      m.put("verdict", f.verdict());
    });
    r.accuracyCompressed().ifPresent(a -> m.put("top1_compressed_eval", a.top1()));
    r.accuracyFinetuned().ifPresent(a -> m.put("top1_finetuned_eval", a.top1()));
    r.headlineLatency().ifPresent(l -> m.put("speedup_b1", l.speedup()));
    try (ImageDataset all = row.judge().open("test", r.inputShape());
        OrtRunner orig = OrtRunner.open(row.model(), RuntimeOptions.singleThreaded());
        OrtRunner comp = OrtRunner.open(written, RuntimeOptions.singleThreaded())) {
      ImageDataset ds = limit > 0 ? Datasets.limit(all, limit, 42) : all;
      DataLoader loader = DataLoader.builder(ds).setBatchSize(100)
          .optNormalization(row.judge().normalization()).build();
      EvaluationResult a = Evaluator.evaluate(new OrtPredictor(orig), loader);
      EvaluationResult b = Evaluator.evaluate(new OrtPredictor(comp), loader);
      AgreementResult agree = Evaluator.agreement(new OrtPredictor(orig), new OrtPredictor(comp), loader);
      m.put("test_images", a.examples());
      m.put("top1_original", a.top1());
      m.put("top1_written", b.top1());
      m.put("test_agreement", agree.top1Agreement());
    }
    m.put("git", git());
    m.put("date", Instant.now().toString());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    return m;
  }

  /** Replaces the block between the markers with a table of the latest line per row id. */
  static void render(Path results) throws IOException {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    if (Files.exists(DATA)) {
      for (String l : Files.readAllLines(DATA)) {
        if (!l.isBlank()) {
          Map<String, Object> m = Json.parseObject(l);
          latest.put(String.valueOf(m.get("id")), m);
        }
      }
    }
    StringBuilder t = new StringBuilder(BEGIN).append("\n## Trust: what `compress` writes, judged on "
        + "the test split\n\nGenerated by `./bench trust --render-only` from `" + DATA + "` (measured by "
        + "`./bench trust`; each row's command is what a user types). \"written\" is OUT.onnx, or "
        + "OUT.rejected.onnx when the fidelity guard refused the model (exit code 4). Top-1 and agreement"
        + " are measured afterwards in ONNX Runtime on the test images; \"guard\" is the verdict "
        + "`compress` gave on its own inputs.\n\n"
        + "| row | exit | written | params removed | guard | guard agreement (inputs) | test images "
        + "| top-1 original | top-1 written | agreement | compressed / fine-tuned (eval subset) | git |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> m : latest.values()) {
      t.append("| ").append(m.get("id")).append(" | ").append(m.get("exit_code")).append(" | ")
          .append(str(m.get("written"))).append(" | ").append(pct(m.get("params_removed")))
          .append(" | ").append(Boolean.TRUE.equals(m.get("guard_passed")) ? "passed" : "**failed**")
          .append(" | ").append(pct(m.get("guard_agreement"))).append(" (")
          .append(str(m.get("guard_inputs"))).append(") | ").append(str(m.get("test_images")))
          .append(" | ").append(pct(m.get("top1_original"))).append(" | ")
          .append(pct(m.get("top1_written"))).append(" | ").append(pct(m.get("test_agreement")))
          .append(" | ").append(pct(m.get("top1_compressed_eval"))).append(" / ")
          .append(pct(m.get("top1_finetuned_eval"))).append(" | ").append(str(m.get("git")))
          .append(" |\n");
    }
    t.append("\nCommands:\n\n```\n");
    for (Map<String, Object> m : latest.values()) {
      t.append(m.get("command")).append('\n');
    }
    t.append("```\n").append(END);
    String doc = Files.exists(results) ? Files.readString(results) : "# lowrank results\n";
    int a = doc.indexOf(BEGIN);
    int b = doc.indexOf(END);
    String updated;
    if (a >= 0 && b > a) {
      updated = doc.substring(0, a) + t + doc.substring(b + END.length());
    } else {
      int cut = doc.indexOf("\n## ");
      updated = cut < 0 ? doc + "\n" + t + "\n"
          : doc.substring(0, cut + 1) + t + "\n\n" + doc.substring(cut + 1);
    }
    AtomicFiles.writeString(results, updated);
  }

  /** The command as a user would type it: OUT.onnx for the scratch output, ~ for the home folder. */
  static String shown(List<String> cmd, Path out) {
    String home = System.getProperty("user.home");
    List<String> words = new ArrayList<>();
    for (String w : cmd) {
      words.add(w.equals(out.toString()) ? "OUT.onnx"
          : home != null && w.startsWith(home + "/") ? "~" + w.substring(home.length()) : w);
    }
    return "./lowrank " + String.join(" ", words);
  }

  private static String pct(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%.2f%%", 100 * n.doubleValue()) : "";
  }

  private static String str(Object v) {
    return v == null ? "" : String.valueOf(v);
  }

  private static String git() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 ? s : "unknown";
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }
}
