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
import org.lowrank.train.eval.AgreementResult;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench trust}: can a user trust what {@code compress} wrote? Runs the CLI's {@code
 * compress} exactly as a user would (each row is a command line), then measures the written model
 * (OUT.onnx, or OUT.rejected.onnx when the guard refused it) against the original in ONNX Runtime
 * on the labelled test split: top-1 of both and top-1 agreement. Appends one JSON line per row to
 * {@code results/trust.jsonl} and renders the latest line per row into RESULTS.md between the
 * markers {@code <!-- trust:begin -->} and {@code <!-- trust:end -->}.
 *
 * <pre>
 * ./bench trust [--only ID] [--shared DIR] [--limit N] [--work DIR]   measure and render
 * ./bench trust --render-only                                      render from the recorded lines
 * </pre>
 */
@Command(
    name = "trust",
    mixinStandardHelpOptions = true,
    description =
        "Default compress runs judged on the test split -> results/trust.jsonl and its RESULTS.md"
            + " block.")
public final class TrustBench implements Callable<Integer> {
  static final String BLOCK = "trust";
  static final Path DATA = Path.of("results", "trust.jsonl");
  private static final ResultLog LOG = new ResultLog(DATA);

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
      rows.add(
          new Row("default/fashion-cnn", "defaults, no data", fashion, List.of(), fashionTest));
    }
    List<String> cp30 = new ArrayList<>(withData);
    cp30.addAll(
        List.of(
            "--method",
            "cp",
            "--keep-params",
            "0.3",
            "--finetune-epochs",
            "1",
            "--train-limit",
            "5000",
            "--eval-limit",
            "2000",
            "--no-latency"));
    rows.add(
        new Row(
            "finetune/resnet56-cp30",
            "CP at 30% of the parameters, similarity, "
                + "default fine-tuning (1 epoch of 5000 images)",
            r56,
            cp30,
            cifarTest));
    return rows;
  }

  @Option(names = "--only", paramLabel = "ID", description = "Only the rows whose id contains ID.")
  String only;

  @Option(
      names = "--shared",
      paramLabel = "DIR",
      description = "Shared data: models and CIFAR-10 (default ${DEFAULT-VALUE}).")
  Path shared = Path.of("..", "shared", "data");

  @Option(
      names = "--work",
      paramLabel = "DIR",
      description =
          "Scratch folder for the written models (default: lowrank-trust in the temp folder).")
  Path work = Path.of(System.getProperty("java.io.tmpdir"), "lowrank-trust");

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Test images to judge on, 0 = all (default ${DEFAULT-VALUE}).")
  int limit;

  @Mixin RenderOptions page = new RenderOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (limit < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--limit: expected >= 0 test images, found " + limit);
    }
    boolean measure = !page.renderOnly;
    if (measure) {
      Files.createDirectories(work);
      Path fashion = null;
      if (only == null || "default/fashion-cnn".contains(only) || only.contains("fashion")) {
        fashion =
            DemoAssets.trainedFashionCnn(DemoAssets.defaultCacheDir(), ProgressListener.NONE)
                .file();
      }
      for (Row row : rows(shared, fashion)) {
        if (only != null && !row.id().contains(only)) {
          continue;
        }
        err.println("== " + row.id());
        Map<String, Object> line = measure(row, work, limit);
        err.println(Json.write(line, 0));
        err.flush();
        LOG.append(line);
      }
    }
    page.write(BLOCK, block(LOG.latest()));
    out.println("rendered " + page.results + " from " + DATA);
    out.flush();
    return 0;
  }

  /** Runs the row's command, then judges what it wrote. */
  static Map<String, Object> measure(Row row, Path work, int limit) throws IOException {
    Path out = work.resolve(row.id().replace('/', '_') + ".onnx");
    List<String> cmd =
        new ArrayList<>(List.of("compress", row.model().toString(), "-o", out.toString()));
    cmd.addAll(row.args());
    CliRun run = CliRun.of(cmd);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", row.id());
    m.put("what", row.what());
    m.put("command", run.shown(Map.of(out, "OUT.onnx")));
    m.put("exit_code", run.exitCode());
    m.put("seconds", run.seconds());
    Path written = Files.exists(out) ? out : CompressionPipeline.rejectedPath(out);
    Path reportFile = CompressionPipeline.sibling(written, ".report.json");
    if (!Files.exists(written) || !Files.exists(reportFile)) {
      m.put("error", (run.stdout() + run.stderr()).strip());
      return m;
    }
    CompressionReport r = ReportJson.read(Files.readString(reportFile), reportFile.toString());
    m.put("written", written.getFileName().toString());
    m.put("params_removed", r.paramsRemovedFraction());
    m.put("flops_removed", r.flopsRemovedFraction());
    m.put("factorized_layers", r.factorizedLayerCount());
    r.fidelity()
        .ifPresent(
            f -> {
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
      DataLoader loader =
          DataLoader.builder(ds)
              .setBatchSize(100)
              .optNormalization(row.judge().normalization())
              .build();
      EvaluationResult a = Evaluator.evaluate(new OrtPredictor(orig), loader);
      EvaluationResult b = Evaluator.evaluate(new OrtPredictor(comp), loader);
      AgreementResult agree =
          Evaluator.agreement(new OrtPredictor(orig), new OrtPredictor(comp), loader);
      m.put("test_images", a.examples());
      m.put("top1_original", a.top1());
      m.put("top1_written", b.top1());
      m.put("test_agreement", agree.top1Agreement());
    }
    m.putAll(ResultLog.provenance());
    return m;
  }

  /** The trust block: a table of the given rows, each with the command a user types. */
  static String block(Map<String, Map<String, Object>> latest) {
    MarkdownTable table =
        new MarkdownTable(
            "row",
            "exit",
            "written",
            "params removed",
            "guard",
            "guard agreement (inputs)",
            "test images",
            "top-1 original",
            "top-1 written",
            "agreement",
            "compressed / fine-tuned (eval subset)",
            "speed-up b1 (wall)",
            "git",
            "command");
    for (Map<String, Object> m : latest.values()) {
      table.add(
          str(m.get("id")),
          str(m.get("exit_code")),
          str(m.get("written")),
          pct(m.get("params_removed")),
          Boolean.TRUE.equals(m.get("guard_passed")) ? "passed" : "**failed**",
          pct(m.get("guard_agreement")) + " (" + str(m.get("guard_inputs")) + ")",
          str(m.get("test_images")),
          pct(m.get("top1_original")),
          pct(m.get("top1_written")),
          pct(m.get("test_agreement")),
          pct(m.get("top1_compressed_eval")) + " / " + pct(m.get("top1_finetuned_eval")),
          m.get("speedup_b1") instanceof Number
              ? org.lowrank.bench.record.Cells.fixed(m.get("speedup_b1"), 2) + "x"
              : "",
          str(m.get("git")),
          "`" + str(m.get("command")) + "`");
    }
    StringBuilder t =
        new StringBuilder(
            "## Trust: what `compress` writes, judged on "
                + "the test split\n\nGenerated by `./bench trust --render-only` from `"
                + DATA
                + "` (measured by "
                + "`./bench trust`, one row with `--only ID`; each row's command is what a user types). \"written\" is OUT.onnx, or "
                + "OUT.rejected.onnx when the fidelity guard refused the model (exit code 4). Top-1 and agreement"
                + " are measured afterwards in ONNX Runtime on the test images; \"guard\" is the verdict "
                + "`compress` gave on its own inputs. Speed-up: the latency `compress` measured in ONNX"
                + " Runtime, original / written median wall time at batch 1, 1 thread (below 1: slower).\n\n");
    t.append(table.render());
    return t.toString();
  }
}
